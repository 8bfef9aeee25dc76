//go:build race

package classifier

// raceEnabled shrinks the generated corpora of the reference tests under
// the race detector, which makes them about ten times slower; the golden
// inputs and labelled test data are still compared in full.
const raceEnabled = true
