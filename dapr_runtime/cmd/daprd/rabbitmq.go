package main

import (
	"context"
	"errors"
	"sync"

	"github.com/dapr/components-contrib/pubsub"
	"github.com/dapr/components-contrib/pubsub/rabbitmq"
	"github.com/dapr/kit/logger"
)

// connectionPerSubscription is components-contrib's pubsub.rabbitmq with one AMQP
// connection per subscription, and one more for publishing.
//
// Upstream (1.18.3) shares one AMQP channel between all subscriptions of a component and
// calls Consume outside its channel mutex. After the broker restarts, every subscription
// reconnects at once on that channel; amqp091-go does not serialise RPCs on a channel, so
// the replies cross ("unexpected command received") and a Consume the broker accepted is
// taken for failed. The consumer it registered is then read by nobody: it holds its
// share of the queue's messages unacknowledged until the sidecar restarts (measured: 4
// consumers on sync-worker's task-events queue after one broker kill -9, and changes
// that never reached a tab). One subscription per connection leaves nothing to cross.
type connectionPerSubscription struct {
	logger    logger.Logger
	meta      pubsub.Metadata
	publisher pubsub.PubSub

	mu          sync.Mutex
	subscribers []pubsub.PubSub
}

func newRabbitMQ(l logger.Logger) pubsub.PubSub {
	return &connectionPerSubscription{logger: l, publisher: rabbitmq.NewRabbitMQ(l)}
}

func (c *connectionPerSubscription) Init(ctx context.Context, meta pubsub.Metadata) error {
	c.meta = meta
	return c.publisher.Init(ctx, meta)
}

func (c *connectionPerSubscription) Features() []pubsub.Feature {
	return c.publisher.Features()
}

func (c *connectionPerSubscription) Publish(ctx context.Context, req *pubsub.PublishRequest) error {
	return c.publisher.Publish(ctx, req)
}

// Subscribe opens a connection of the subscription's own, closed when it ends.
func (c *connectionPerSubscription) Subscribe(ctx context.Context, req pubsub.SubscribeRequest, handler pubsub.Handler) error {
	subscriber := rabbitmq.NewRabbitMQ(c.logger)
	if err := subscriber.Init(ctx, c.meta); err != nil {
		return err
	}
	if err := subscriber.Subscribe(ctx, req, handler); err != nil {
		return errors.Join(err, subscriber.Close())
	}
	c.mu.Lock()
	c.subscribers = append(c.subscribers, subscriber)
	c.mu.Unlock()
	go func() {
		<-ctx.Done()
		if c.forget(subscriber) {
			_ = subscriber.Close() // the subscription is over; nothing is left to report to
		}
	}()
	return nil
}

// forget removes `subscriber` from those Close closes; false if it is already gone.
func (c *connectionPerSubscription) forget(subscriber pubsub.PubSub) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, s := range c.subscribers {
		if s == subscriber {
			c.subscribers = append(c.subscribers[:i], c.subscribers[i+1:]...)
			return true
		}
	}
	return false
}

func (c *connectionPerSubscription) Close() error {
	c.mu.Lock()
	subscribers := c.subscribers
	c.subscribers = nil
	c.mu.Unlock()
	errs := []error{c.publisher.Close()}
	for _, s := range subscribers {
		errs = append(errs, s.Close())
	}
	return errors.Join(errs...)
}
