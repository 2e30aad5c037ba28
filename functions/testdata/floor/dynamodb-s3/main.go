// Command dynamodb-s3 is the floor of the functions with a DynamoDB client and an S3
// client with its presign client (download, admin): the clients built from the
// Lambda environment and one operation of each called, so that the linker keeps
// what a call needs, served by the functions' runtime loop. See BenchmarkColdInit.
package main

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"leadgate/functions/testdata/floor/awsenv"
	"leadgate/shared/lambdaruntime"
)

func main() {
	cfg := awsenv.Config()
	db := dynamodb.NewFromConfig(cfg)
	objects := s3.NewFromConfig(cfg)
	presigner := s3.NewPresignClient(objects)
	lambdaruntime.Start(func(ctx context.Context, id string) (string, error) {
		if _, err := db.GetItem(ctx, &dynamodb.GetItemInput{
			TableName: aws.String("floor"),
			Key:       map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: id}},
		}); err != nil {
			return "", err
		}
		if _, err := objects.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("floor"), Key: aws.String(id)}); err != nil {
			return "", err
		}
		req, err := presigner.PresignGetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("floor"), Key: aws.String(id)})
		if err != nil {
			return "", err
		}
		return req.URL, nil
	})
}
