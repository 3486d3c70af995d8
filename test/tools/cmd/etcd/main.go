// Command etcd is etcd's server, built from the Go module proxy so the
// end-to-end tests and the demo need no downloaded binary.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
