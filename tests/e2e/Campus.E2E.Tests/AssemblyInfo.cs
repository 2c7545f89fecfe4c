// The suite stops and starts shared servers (RabbitMQ): no two tests may run at the same time.
[assembly: Xunit.v3.Parallelization(Mode = Xunit.Sdk.ParallelMode.None)]
