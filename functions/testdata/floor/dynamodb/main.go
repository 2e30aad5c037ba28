// Command dynamodb is the floor of a function whose only SDK client is DynamoDB and
// that reads no secret at init (ses-events): the client built from the Lambda environment
// and one operation called, so that the linker keeps what a call needs, served by
// the functions' runtime loop. See BenchmarkColdInit.
package main

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"leadgate/functions/testdata/floor/awsenv"
	"leadgate/shared/lambdaruntime"
)

func main() {
	db := dynamodb.NewFromConfig(awsenv.Config())
	lambdaruntime.Start(func(ctx context.Context, id string) (int, error) {
		out, err := db.GetItem(ctx, &dynamodb.GetItemInput{
			TableName: aws.String("floor"),
			Key:       map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: id}},
		})
		if err != nil {
			return 0, err
		}
		return len(out.Item), nil
	})
}
