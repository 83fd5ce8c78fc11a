// Command lawcontest serves the online law contests of a city Department of
// Justice. Everything lives in package server; see README.md.
package main

import (
	"os"

	"lawcontest/server"
)

func main() {
	os.Exit(server.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
