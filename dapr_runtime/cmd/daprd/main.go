// Command daprd is the Dapr sidecar with exactly the components Dapr Todo uses.
//
// Upstream daprd registers components in init() functions behind the
// allcomponents/stablecomponents build tags, which pull in every cloud SDK. This
// build uses no tag (the build script overlays upstream's no-tag guard) and
// registers only what components/ and helm/ name, so the binary stays small.
package main

import (
	"github.com/dapr/components-contrib/bindings/cron"
	"github.com/dapr/components-contrib/bindings/smtp"
	lockredis "github.com/dapr/components-contrib/lock/redis"
	nrkubernetes "github.com/dapr/components-contrib/nameresolution/kubernetes"
	"github.com/dapr/components-contrib/nameresolution/mdns"
	nrsqlite "github.com/dapr/components-contrib/nameresolution/sqlite"
	"github.com/dapr/components-contrib/pubsub/jetstream"
	pubsubredis "github.com/dapr/components-contrib/pubsub/redis"
	sskubernetes "github.com/dapr/components-contrib/secretstores/kubernetes"
	"github.com/dapr/components-contrib/secretstores/local/file"
	stateredis "github.com/dapr/components-contrib/state/redis"

	"github.com/dapr/dapr/cmd/daprd/app"
	bindingsLoader "github.com/dapr/dapr/pkg/components/bindings"
	lockLoader "github.com/dapr/dapr/pkg/components/lock"
	nrLoader "github.com/dapr/dapr/pkg/components/nameresolution"
	pubsubLoader "github.com/dapr/dapr/pkg/components/pubsub"
	secretstoresLoader "github.com/dapr/dapr/pkg/components/secretstores"
	stateLoader "github.com/dapr/dapr/pkg/components/state"
)

func registerComponents() {
	stateLoader.DefaultRegistry.RegisterComponent(stateredis.NewRedisStateStore, "redis")
	pubsubLoader.DefaultRegistry.RegisterComponent(pubsubredis.NewRedisStreams, "redis")
	// The dedicated broker (components/brokers/rabbitmq/, helm value pubsub.broker), one
	// connection per subscription (rabbitmq.go says why).
	pubsubLoader.DefaultRegistry.RegisterComponent(newRabbitMQ, "rabbitmq")
	// Only for the bench/brokers package, which measured it against RabbitMQ (docs/benchmarks.md).
	pubsubLoader.DefaultRegistry.RegisterComponent(jetstream.NewJetStream, "jetstream")
	lockLoader.DefaultRegistry.RegisterComponent(lockredis.NewStandaloneRedisLock, "redis")
	bindingsLoader.DefaultRegistry.RegisterInputBinding(cron.NewCron, "cron")
	bindingsLoader.DefaultRegistry.RegisterOutputBinding(smtp.NewSMTP, "smtp")
	secretstoresLoader.DefaultRegistry.RegisterComponent(file.NewLocalSecretStore, "local.file")
	secretstoresLoader.DefaultRegistry.RegisterComponent(sskubernetes.NewKubernetesSecretStore, "kubernetes")
	nrLoader.DefaultRegistry.RegisterComponent(mdns.NewResolver, "mdns")
	// One local system per SQLite file: mDNS would mix up app-ids of systems that run side
	// by side on one machine (tests, benchmarks, a developer's own run).
	nrLoader.DefaultRegistry.RegisterComponent(nrsqlite.NewResolver, "sqlite")
	nrLoader.DefaultRegistry.RegisterComponent(nrkubernetes.NewResolver, "kubernetes")
}

func main() {
	registerComponents()
	app.Run()
}
