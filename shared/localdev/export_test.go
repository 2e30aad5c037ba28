package localdev

// HandleByLead hands a batch of changes on as the embedded store's follower does.
var HandleByLead = handleByLead
