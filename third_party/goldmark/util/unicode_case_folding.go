package util

import "sync"

//go:generate go run ../_tools unicode-case-folding-map -o ../_tools/unicode-case-folding-map.json
//go:generate go run ../_tools emb-structs -i ../_tools/unicode-case-folding-map.json -o ./unicode_case_folding.gen.go

// unicodeCaseFoldings is built on first use (unicodeCaseFolding), not at package
// init: a program that never folds a link label does not pay for the map.
var unicodeCaseFoldings map[rune][]rune

var unicodeCaseFoldingsOnce sync.Once

func unicodeCaseFolding(r rune) ([]rune, bool) {
	unicodeCaseFoldingsOnce.Do(buildUnicodeCaseFoldings)
	folded, ok := unicodeCaseFoldings[r]
	return folded, ok
}

func buildUnicodeCaseFoldings() {
	unicodeCaseFoldings = make(map[rune][]rune, _unicodeCaseFoldingLength)
	cTo := 0
	for i := range _unicodeCaseFoldingLength {
		tTo := cTo + int(_unicodeCaseFoldingToIndex[i])
		to := _unicodeCaseFoldingTo[cTo:tTo]
		unicodeCaseFoldings[_unicodeCaseFoldingFrom[i]] = to
		cTo = tTo
	}
}
