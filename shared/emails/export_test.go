package emails

// Kinds are the kinds of email Render knows, for the golden tests to cover.
var Kinds = kinds
