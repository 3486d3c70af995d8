//go:build !linux && !darwin

package resetretries

import "os"

// discardTypedAhead cannot drop typed-ahead input here; every answer is
// still read only after its question is on the screen.
func discardTypedAhead(*os.File) {}
