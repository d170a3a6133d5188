package main

// Modes added beside main.go's switch (recover.go, scale.go register themselves here in
// init), so each lives in a file of its own.

var extraModes = map[string]func(*options) (map[string]interface{}, error){}
