package trace

// SetAheadBudget sets how many flows read ahead may wait unused, for tests
// of the reader at its bound; it returns the previous bound.
func SetAheadBudget(n int64) int64 {
	prev := aheadBudget
	aheadBudget = n
	return prev
}
