//go:build !unix

package classifier

import "time"

// cpuTime is unknown here: the benchmarks report no CPU-time figures.
func cpuTime() time.Duration { return 0 }
