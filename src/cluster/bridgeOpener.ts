/**
 * How a task manager opens the bridges of its deploy commands (TaskManagerRuntime's
 * `openBridge`): a bridge's MessagePort as it is, a Kafka address as a port of the process's
 * KafkaExchange. Shared by task manager threads on the specs' hook and by instances.
 */
import type { FramePort } from './FramePort';
import type { Bridge } from './taskManagerProtocol';
import type { KafkaExchange } from './KafkaExchange';

/** `exchange`: the exchange once open (undefined: none, and a Kafka bridge is refused naming `who`). */
export function bridgeOpener(exchange: () => KafkaExchange | undefined, who: string): (bridge: Bridge) => FramePort {
  return (bridge) => {
    if ('port' in bridge) return bridge.port;
    if ('local' in bridge) throw new Error(`${who} was not handed the port of channel ${bridge.name} (${bridge.local.key}), between two of its task managers`);
    const opened = exchange();
    if (opened === undefined) throw new Error(`${who} has no Kafka exchange for channel ${bridge.name} (${bridge.kafka.topic})`);
    return opened.port(bridge.kafka, bridge.name);
  };
}
