package server

import "lawcontest/account"

func unitNamed(name string) account.Unit { return account.Unit{Name: name, Kind: "school"} }
