// Command bookings is the Lambda function behind API Gateway's POST /v1/bookings/{source}: the
// booking webhooks (DESIGN.md, "HTTP surface"), served by the same net/http handlers as the local
// server (shared/httpapi) through the API Gateway HTTP API adapter (shared/apigw), over DynamoDB
// and SQS. It only wires: configuration is read and clients are built once per container, and
// each source's webhook secret is read from Secrets Manager on first use. A source whose secret has
// no value answers 404.
package main

import "github.com/roomkeeper/roomkeeper/functions/internal/webhookfn"

func main() { webhookfn.Run() }
