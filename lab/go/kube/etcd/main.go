// Command etcd is a thin wrapper around go.etcd.io/etcd/server/v3/etcdmain,
// identical to the upstream etcd binary's main (go.etcd.io/etcd/v3 main.go).
// Built by lab/kube.sh so the lab does not depend on Debian's etcd 3.4.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
