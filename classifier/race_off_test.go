//go:build !race

package classifier

// raceEnabled is false without the race detector: full-size corpora.
const raceEnabled = false
