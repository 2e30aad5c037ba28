// Command dynamodb-sesv2 is the floor of the functions with a DynamoDB client and an
// SES v2 client (followup, dispatcher): the clients built from the Lambda
// environment and one operation of each called, so that the linker keeps what a
// call needs, served by the functions' runtime loop. See BenchmarkColdInit.
package main

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	sestypes "github.com/aws/aws-sdk-go-v2/service/sesv2/types"

	"leadgate/functions/testdata/floor/awsenv"
	"leadgate/shared/lambdaruntime"
)

func main() {
	cfg := awsenv.Config()
	db := dynamodb.NewFromConfig(cfg)
	mail := sesv2.NewFromConfig(cfg)
	lambdaruntime.Start(func(ctx context.Context, id string) (string, error) {
		if _, err := db.GetItem(ctx, &dynamodb.GetItemInput{
			TableName: aws.String("floor"),
			Key:       map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: id}},
		}); err != nil {
			return "", err
		}
		out, err := mail.SendEmail(ctx, &sesv2.SendEmailInput{
			FromEmailAddress: aws.String("floor@example.com"),
			Destination:      &sestypes.Destination{ToAddresses: []string{id}},
			Content:          &sestypes.EmailContent{Raw: &sestypes.RawMessage{Data: []byte("Subject: floor\r\n\r\nfloor\r\n")}},
		})
		if err != nil {
			return "", err
		}
		return aws.ToString(out.MessageId), nil
	})
}
