// Package httpfn is the wiring the functions behind API Gateway share (bookings, hooks, admin):
// the secrets read from Secrets Manager on first use, and serving shared/httpapi's handlers
// through the API Gateway HTTP API adapter. Each function registers only its own audience's
// routes; which routes reach it is API Gateway's choice.
package httpfn

import (
	"net/http"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/roomkeeper/roomkeeper/functions/internal/start"
	"github.com/roomkeeper/roomkeeper/shared/aws/emf"
	"github.com/roomkeeper/roomkeeper/shared/aws/secrets"
	"github.com/roomkeeper/roomkeeper/shared/lambda/apigw"
)

// Secrets returns the function's secrets, each read from the Secrets Manager secret its
// <NAME>_SECRET_ARN variable names, on first use. A secret whose variable is unset has no value,
// which turns its routes off (404).
func Secrets(env start.Env) *secrets.Source {
	return secrets.New(secretsmanager.NewFromConfig(env.AWS), os.Getenv)
}

// Handler is one audience's handler of shared/httpapi.
type Handler interface {
	Register(mux *http.ServeMux)
}

// Serve serves the handlers' routes to API Gateway HTTP API events, writing the metrics each
// invocation puts in one line when it ends (emf.PerInvocation) on the function's log; it returns
// only if the process stops.
func Serve(env start.Env, handlers ...Handler) {
	mux := http.NewServeMux()
	for _, h := range handlers {
		h.Register(mux)
	}
	lambda.Start(emf.PerInvocation(emf.New(env.Log), apigw.Handler{HTTP: mux}.Handle))
}
