package dynamodb

// GrantItem lets the external tests build a grant's item as the store writes it.
var GrantItem = grantItem

// ConfirmationItem lets the external tests build a confirmation's item as the store
// writes it.
var ConfirmationItem = confirmationItem
