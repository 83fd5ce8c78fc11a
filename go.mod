module lawcontest

go 1.26
