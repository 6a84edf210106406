/**
 * Sluice's core API, `import { … } from 'sluice'`: the environment and streams, functions,
 * state, time and windows, checkpoints, the built-in sources and sinks, and the actor
 * integration (nact). Importing it loads neither kafkajs, ioredis nor the SQL grammar; those
 * come with the entry points that need them: `sluice/kafka`, `sluice/redis`, `sluice/sql`
 * (the list of what each loads: docs/package.md).
 *
 * @packageDocumentation
 * @module sluice
 */
export { StreamEnvironment, ExecuteOptions } from './api/StreamEnvironment';
export { StreamEnvironmentOptions, EnvironmentConfig, ConfigError } from './api/EnvironmentConfig';
export { defineJob, JobDefinition } from './api/defineJob';
export { DataStream, SingleOutputStream, DataStreamSink } from './api/DataStream';
export { KeyedStream, NumericField } from './api/KeyedStream';
export { ConnectedStreams, KeyedConnectedStreams } from './api/ConnectedStreams';
export { CoProcessFunction, KeyedCoProcessFunction } from './api/CoProcessFunction';
export { BroadcastStream } from './api/BroadcastStream';
export { BroadcastConnectedStream } from './api/BroadcastConnectedStream';
export {
  BroadcastProcessFunction,
  KeyedBroadcastProcessFunction,
  BroadcastBaseContext,
  ReadOnlyContext,
  BroadcastContext,
  KeyedReadOnlyContext,
  KeyedBroadcastContext,
  KeyedBroadcastOnTimerContext,
  KeyedStateFunction,
  StateOf,
} from './api/BroadcastProcessFunction';
export { BroadcastState, ReadOnlyBroadcastState } from './state/BroadcastState';
export { CEP, PatternStream } from './cep/CEP';
export { Pattern } from './cep/Pattern';
export { AfterMatchSkipStrategy } from './cep/AfterMatchSkipStrategy';
export { Condition, ConditionContext } from './cep/Stage';
export { PatternProcessFunction, PatternContext, Match } from './cep/PatternProcessFunction';
export { CoGroupFunction, JoinFunction, TwoInputsToWindow, WindowedJoin, WindowedCoGroup } from './api/CoGroupedStreams';
export { JobHandle, JobResult, StallReport } from './api/JobHandle';
export { TaskManagerUsage } from './cluster/taskManagerUsage';
export type { RestAddress } from './web/RestAddress';
export { MetricsOptions } from './api/RestOptions';
export type { RestOptions } from './web/RestOptions';
export { JobFailure, FailureAction } from './runtime/jobFailures';
export { Logger, LogLevel, LoggingOptions, LoggingOption, summarizeRecord } from './logging/logger';
export { OutputTag } from './graph/OutputTag';
export { ProcessFunction, KeyedProcessFunction, ProcessContext, KeyedProcessContext } from './api/ProcessFunction';
export { RuntimeContext, RichFunction } from './api/RuntimeContext';
export { AsyncDataStream, AsyncFunction, AsyncMapFunction, AsyncWaitOptions } from './api/AsyncDataStream';
export { AsyncRetryStrategies, AsyncRetryStrategy, RetryPredicates } from './api/AsyncRetryStrategy';
export { AsyncTimeoutError } from './api/operators/AsyncCall';
export { Collector } from './graph/Collector';
export { MapFunction, FilterFunction, FlatMapFunction, IterableFlatMapFunction, ReduceFunction, CollectorResult, NotAsync, AsyncResultRefusal } from './api/functions';
export { Source, SourceReader, SplitContext, PollResult } from './graph/Source';
export { Sink, SinkWriter, SinkContext } from './graph/Sink';
export { PrintSink } from './connectors/PrintSink';
export { CollectSink } from './connectors/CollectSink';
export { TextFileSink } from './connectors/TextFileSink';
export { InvalidTopologyError, TopologyProblem, describeProblem } from './graph/TopologyProblem';
export { UserFunctionFailed } from './runtime/UserFunctionFailed';
export { ServiceError, OutsideService } from './services/ServiceError';
export { JobStatus } from './metrics/JobStatus';
export { JobCounters, OperatorCounters } from './metrics/TaskCounters';
export { MetricGroup, Counter, Gauge, Histogram, HistogramStatistics, UserMetricValue } from './metrics/MetricGroup';
export { JobMetricsSnapshot, TaskMetrics } from './metrics/JobMetrics';
export { OperatorReport, PartitionLag } from './metrics/TaskMetrics';
export { MetricNames } from './metrics/metricNames';
export { StallDiagnosis, StallRoot } from './metrics/stallDiagnosis';
export { ProgressOptions, showProgress } from './api/progressLine';
export { LineStream, TerminalLine } from './metrics/terminalLine';
export { CheckpointRecord, JobCheckpoints } from './checkpoint/coordinatorProtocol';
export { ValueState, ListState, MapState, ReducingState, AggregatingState } from './state/State';
export {
  ValueStateDescriptor,
  ListStateDescriptor,
  MapStateDescriptor,
  ReducingStateDescriptor,
  AggregatingStateDescriptor,
  AggregateFunction,
  AnyStateDescriptor,
} from './state/StateDescriptor';
export { Serializer, Serializers } from './state/Serializer';
export { Key } from './state/keyHash';
export { CheckpointConfig, CheckpointOptions } from './checkpoint/CheckpointConfig';
export { CheckpointId, CheckpointingMode } from './checkpoint/CheckpointTypes';
export { CheckpointStats } from './checkpoint/coordinatorProtocol';
export { SavepointInfo, SAVEPOINT_VERSION } from './checkpoint/Savepoint';
export { RestartStrategy } from './checkpoint/RestartStrategy';
export { TwoPhaseCommitSink, TwoPhaseCommitWriter } from './graph/TwoPhaseCommitSink';
export { FileSink, FileTransaction } from './connectors/FileSink';
export { CheckpointedFunction, FunctionInitializationContext, FunctionSnapshotContext } from './api/CheckpointedFunction';
export { StateBackendOption } from './api/EnvironmentConfig';
export { RedisStateBackendOptions } from './state/RedisKeyedStateBackend';
export { Time, Duration } from './time/Time';
export { WatermarkStrategy, TimestampAssigner } from './time/WatermarkStrategy';
export { TimerService, OnTimerContext } from './api/ProcessFunction';
export { TimeWindow, GlobalWindow, Window } from './windowing/Window';
export {
  WindowAssigner,
  TumblingEventTimeWindows,
  TumblingProcessingTimeWindows,
  SlidingEventTimeWindows,
  SlidingProcessingTimeWindows,
  EventTimeSessionWindows,
  ProcessingTimeSessionWindows,
  GlobalWindows,
} from './windowing/WindowAssigner';
export { Trigger, TriggerContext, TriggerResult, TriggerState, EventTimeTrigger, ProcessingTimeTrigger, CountTrigger, PurgingTrigger } from './windowing/Trigger';
export { OnMergeContext } from './windowing/Trigger';
export { Evictor, EvictorContext, TimestampedValue, CountEvictor, TimeEvictor, DeltaEvictor, DeltaFunction } from './windowing/Evictor';
export { ProcessWindowFunction, WindowContext } from './windowing/ProcessWindowFunction';
export { WindowedStream } from './api/WindowedStream';
export { SocketTextSource, SocketTextSourceOptions, SocketTextPosition } from './connectors/SocketTextSource';
export { socketTextStream } from './api/socketTextStream';
export { StateTtlConfig, TtlUpdateType, TtlStateVisibility } from './state/StateTtlConfig';
export { ActorSource, ActorSourceOptions, ActorSourcePosition } from './connectors/ActorSource';
export { ActorSourceMsg, ActorSourceSignal, isActorSourceSignal } from './connectors/actorSourceProtocol';
export { ActorSourceOutbox } from './connectors/ActorSourceOutbox';
export { ActorSink, ActorSinkMsg, ActorSinkAck, ActorSinkOptions, acknowledge } from './connectors/ActorSink';
export { AskGateway, AskGatewayOptions, AskGatewayStats, AskTimeoutError, AskRefusedError, Request, Reply, replyTo } from './connectors/AskGateway';
export { Supervision, SupervisionStrategy, SupervisionDirective, SupervisionLimit, DeadLetter, supervisionDeadLetters } from './graph/SupervisionStrategy';
export { KeyedActor, KeyedActorContext } from './api/KeyedActor';
export { ApplicationJobMsg } from './runtime/applicationJobActor';
