package dynamodb

import (
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"leadgate/shared/leadgate"
)

// LeadListProjection names the attributes GSI3 projects besides the keys.
var LeadListProjection = leadListProjection

// The table's layout, for the external tests that read and write items directly.
const (
	AttrPK             = attrPK
	AttrSK             = attrSK
	AttrGSI1PK         = attrGSI1PK
	AttrGSI1SK         = attrGSI1SK
	AttrGSI2PK         = attrGSI2PK
	AttrGSI2SK         = attrGSI2SK
	AttrItemType       = attrItemType
	IndexGSI1          = indexGSI1
	IndexGSI2          = indexGSI2
	IndexGSI3          = indexGSI3
	AttrGSI3SK         = attrGSI3SK
	AttrItemTypeGSI3PK = attrGSI3PK
	DueBucket          = dueBucket
	ListPages          = listPages
	ListMagnets        = listMagnets

	TypeDailyCounts     = typeDailyCounts
	TypeSourceDayCounts = typeSourceDayCounts
	TypeDedupe          = typeDedupe
	TypeDownloadMark    = typeDownloadMark
	TypeGrant           = typeGrant
	TypeSubmission      = typeSubmission

	PrefixConfirm    = prefixConfirm
	PrefixCoupon     = prefixCoupon
	PrefixDay        = prefixDay
	PKDays           = pkDays
	PKNow            = pkNow
	PrefixDedupe     = prefixDedupe
	PrefixDownload   = prefixDownload
	PrefixGrant      = prefixGrant
	PrefixLead       = prefixLead
	PrefixMagnet     = prefixMagnet
	PrefixMailEvent  = prefixMailEvent
	PrefixPage       = prefixPage
	PrefixRate       = prefixRate
	PrefixStep       = prefixStep
	PrefixSubmission = prefixSubmission

	SKConfirmation = skConfirmation
	SKCouponCode   = skCode
	SKCouponFree   = skFree
	SKGrant        = skGrant
	SKLead         = skLead
	SKMagnet       = skMagnet
	SKPage         = skPage

	DownloadMarkRetention = downloadMarkRetention
	GrantRetention        = grantRetention
)

// The conversions of stream records, for the stream tests.
var (
	FromEventImage          = fromEventImage
	FromEventAttributeValue = fromEventAttributeValue
)

// GrantItem lets the external tests build a grant's item as the store writes it.
var GrantItem = grantItem

// ConfirmationItem lets the external tests build a confirmation's item as the store
// writes it.
var ConfirmationItem = confirmationItem

// CaptureItems builds the items of a capture's transaction for a new lead, as
// Capture's first attempt sends them, for the benchmark of their building.
func (s *Store) CaptureItems(c leadgate.Capture) ([]types.TransactWriteItem, error) {
	counters, err := countersFor(c.RateLimits, c.Submission.At)
	if err != nil {
		return nil, err
	}
	sub := c.Submission
	lead := leadgate.NewLead(c.NewLeadID, sub, c.Page)
	sub.LeadID = lead.ID
	return s.captureItems(c, lead, nil, sub, counters)
}

// LeadItem is the item the store writes for a lead.
func LeadItem(l leadgate.Lead) (map[string]types.AttributeValue, error) {
	return marshalItem(l, prefixLead+l.Email, skLead, typeLead)
}

// SetListPageItems sets how many index items a Query of the lead table examines,
// so that a test reaches the request bound with few leads.
func SetListPageItems(s *Store, n int32) { s.listPageItems = n }
