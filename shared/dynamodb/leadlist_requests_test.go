package dynamodb_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	awsddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"leadgate/shared/dynamodb"
	"leadgate/shared/leadgate"
	"leadgate/shared/leadgate/storetest"
)

// listLeads is how many leads the request counts are taken over: more than three
// Queries of listItems examine, so a filter that matches nothing stops at the
// request bound. (DynamoDB Local does not stop a Query at 1 MB.)
const (
	listLeads = 600
	listItems = 90
)

// leadListCounts seeds listLeads leads and counts the requests of the lead table's
// calls: the first page, a walk of every page, a filter that matches nothing
// walked to its end, a page filter, and a lead's lookup by ref. It returns the
// most requests one list call made.
func leadListCounts(t testing.TB) (most int64) {
	counting := &countingTransport{next: http.DefaultTransport}
	client := newClient(t, &http.Client{Transport: counting})
	table := newTable(t, client)
	s := dynamodb.New(client, table)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var sample leadgate.Lead
	dynamodb.SetListPageItems(s, listItems)
	var batch []types.WriteRequest
	for i := range listLeads {
		page := []string{"alpha", "beta", "gamma"}[i%3]
		c := storetest.Capture(storetest.Page(page), fmt.Sprintf("lead%05d@example.com", i), storetest.T0.Add(time.Duration(i)*time.Second), "ads")
		l := leadgate.NewLead(fmt.Sprintf("lead-%05d", i), c.Submission, c.Page)
		if i == listLeads/2 {
			sample = l
		}
		item, err := dynamodb.LeadItem(l)
		if err != nil {
			t.Fatal(err)
		}
		batch = append(batch, types.WriteRequest{PutRequest: &types.PutRequest{Item: item}})
		if len(batch) == 25 || i == listLeads-1 {
			for len(batch) > 0 {
				out, err := client.BatchWriteItem(ctx, &awsddb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{table: batch}})
				if err != nil {
					t.Fatal(err)
				}
				batch = out.UnprocessedItems[table]
			}
		}
	}
	call := func(q leadgate.LeadQuery) leadgate.LeadList {
		before := counting.n.Load()
		list, err := s.Leads(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		n := counting.n.Load() - before
		if n > 3 {
			t.Errorf("Leads(%+v): %d requests, want at most 3", q, n)
		}
		most = max(most, n)
		return list
	}
	walk := func(q leadgate.LeadQuery) (leads, calls, examined int) {
		for {
			list := call(q)
			leads, calls, examined = leads+len(list.Leads), calls+1, examined+list.Examined
			if list.Next == "" {
				return
			}
			q.Cursor = list.Next
		}
	}
	before := counting.n.Load()
	if first := call(leadgate.LeadQuery{}); len(first.Leads) != leadgate.DefaultLeadListLimit || first.Next == "" || counting.n.Load()-before != 1 {
		t.Errorf("first page: %d leads, next %q, %d requests; want a full page from one Query", len(first.Leads), first.Next, counting.n.Load()-before)
	}
	if leads, _, _ := walk(leadgate.LeadQuery{Limit: leadgate.MaxLeadListLimit}); leads != listLeads {
		t.Errorf("walked %d leads, want %d", leads, listLeads)
	}
	miss := call(leadgate.LeadQuery{Search: "nobody"})
	if len(miss.Leads) != 0 || miss.Next == "" || miss.Examined >= listLeads {
		t.Errorf("a filter that matches nothing: %d leads, %d examined, next %q; want the request bound hit", len(miss.Leads), miss.Examined, miss.Next)
	}
	if leads, calls, examined := walk(leadgate.LeadQuery{Search: "nobody"}); leads != 0 || examined != listLeads || calls < listLeads/(3*listItems) {
		t.Errorf("searching further: %d leads in %d calls, %d examined, want none in several, %d examined", leads, calls, examined, listLeads)
	}
	if leads, _, _ := walk(leadgate.LeadQuery{Page: "beta", Limit: leadgate.MaxLeadListLimit}); leads != listLeads/3 {
		t.Errorf("page filter: %d leads, want %d", leads, listLeads/3)
	}
	before = counting.n.Load()
	if got, err := s.LeadByRef(ctx, leadgate.LeadRef(sample)); err != nil || got.ID != sample.ID {
		t.Errorf("LeadByRef: %v, %v", got.ID, err)
	}
	if n := counting.n.Load() - before; n != 2 {
		t.Errorf("LeadByRef: %d requests, want 2", n)
	}
	return most
}

// TestLeadListRequests holds every call of the lead table to at most 3 DynamoDB
// requests, whatever the filter.
func TestLeadListRequests(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds 600 leads")
	}
	leadListCounts(t)
}

// BenchmarkLeadListRequests reports the most DynamoDB requests one call of the lead
// table made (ddb-requests-lead-list), which make bench holds to 3.
func BenchmarkLeadListRequests(b *testing.B) {
	var most int64
	for range b.N {
		most = max(most, leadListCounts(b))
	}
	b.ReportMetric(float64(most), "ddb-requests-lead-list")
}
