package util

import (
	"regexp"
	"sync"
)

// A LazyRegexp compiles its pattern on first use. A package-level
// regexp.MustCompile runs at package init, so every program linking the package
// pays for it at start, whether it ever matches the pattern or not.
type LazyRegexp struct {
	once    sync.Once
	pattern string
	re      *regexp.Regexp
}

// NewLazyRegexp returns a LazyRegexp of pattern, which must compile.
func NewLazyRegexp(pattern string) *LazyRegexp {
	return &LazyRegexp{pattern: pattern}
}

// Get returns the compiled pattern, compiling it on the first call.
func (l *LazyRegexp) Get() *regexp.Regexp {
	l.once.Do(func() { l.re = regexp.MustCompile(l.pattern) })
	return l.re
}
