//go:build !race

package text

const raceLimit = 1
