//go:build !race

package main

// raceEnabled is set under the race detector, which makes training
// several times slower: the end-to-end runs are left to the plain test run
// (the loader's workers and the kernels' pool have race-checked tests of
// their own).
const raceEnabled = false
