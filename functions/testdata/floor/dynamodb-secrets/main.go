// Command dynamodb-secrets is the floor of the functions that read their secrets
// from Secrets Manager at init (every function but ses-events): the dynamodb floor
// plus the reads its environment names, SIGNING_SECRET_ARN and, for capture,
// CAPTCHA_SECRET_ARN, made as the functions make them. The secrets are part of what
// a function must do before its first request on AWS (no secret sits in its
// environment), so the floor pays for them too. See BenchmarkColdInit.
package main

import (
	"context"
	"log"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"leadgate/functions/testdata/floor/awsenv"
	"leadgate/shared/lambdainit"
	"leadgate/shared/lambdaruntime"
)

func main() {
	key, err := lambdainit.SigningKey(os.Getenv)
	if err != nil {
		log.Fatal(err)
	}
	captcha, err := lambdainit.CaptchaSecrets(os.Getenv)
	if err != nil {
		log.Fatal(err)
	}
	db := dynamodb.NewFromConfig(awsenv.Config())
	lambdaruntime.Start(func(ctx context.Context, id string) (int, error) {
		out, err := db.GetItem(ctx, &dynamodb.GetItemInput{
			TableName: aws.String("floor"),
			Key:       map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: id + key.Digest("id", id)}},
		})
		if err != nil {
			return 0, err
		}
		return len(out.Item) + len(captcha), nil
	})
}
