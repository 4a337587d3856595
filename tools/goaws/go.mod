// Module goaws only pins the goaws SQS emulator (github.com/Admiral-Piett/goaws) that roomkeeper's
// tests run, so the main module never depends on it. shared/devkit/emulator builds it with
//
//	cd tools/goaws && go build -o <dir>/goaws github.com/Admiral-Piett/goaws/app/cmd
module github.com/roomkeeper/roomkeeper/tools/goaws

go 1.26

tool github.com/Admiral-Piett/goaws/app/cmd

require (
	github.com/Admiral-Piett/goaws v0.5.4 // indirect
	github.com/ghodss/yaml v1.0.0 // indirect
	github.com/google/uuid v1.6.0 // indirect
	github.com/gorilla/mux v1.8.0 // indirect
	github.com/gorilla/schema v1.4.1 // indirect
	github.com/mitchellh/copystructure v1.2.0 // indirect
	github.com/mitchellh/reflectwalk v1.0.2 // indirect
	github.com/sirupsen/logrus v1.9.0 // indirect
	golang.org/x/sys v0.13.0 // indirect
	gopkg.in/yaml.v2 v2.4.0 // indirect
)
