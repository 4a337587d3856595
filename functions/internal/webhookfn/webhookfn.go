// Package webhookfn is the wiring the webhook functions (bookings, hooks) share beyond httpfn:
// the booking intake over DynamoDB and SQS. It is apart from httpfn so the admin function, which
// writes nothing, links no queue client.
package webhookfn

import (
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/roomkeeper/roomkeeper/functions/internal/start"
	"github.com/roomkeeper/roomkeeper/shared/aws/dynamo"
	"github.com/roomkeeper/roomkeeper/shared/aws/sqs"
	"github.com/roomkeeper/roomkeeper/shared/intake"
)

// Intake returns the booking intake over the table ROOMKEEPER_TABLE and the work queue
// ROOMKEEPER_QUEUE_URL, which Load must have been asked to require.
func Intake(env start.Env) *intake.Intake {
	return &intake.Intake{
		Store:      dynamo.New(dynamodb.NewFromConfig(env.AWS), env.Var("ROOMKEEPER_TABLE")),
		Queue:      sqs.New(awssqs.NewFromConfig(env.AWS), env.Var("ROOMKEEPER_QUEUE_URL")),
		Now:        time.Now,
		Retention:  env.Config.Retention,
		Deployment: env.Config.Deployment,
	}
}
