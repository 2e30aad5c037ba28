package dynamodbstream

// EventRecord converts a record of the Streams API, for the tests.
var EventRecord = eventRecord
