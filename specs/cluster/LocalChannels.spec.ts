import { expect } from 'chai';
import { MessageChannel, MessagePort } from 'worker_threads';
import { LocalChannels } from '../../src/cluster/LocalChannels';
import type { Bridge, PortBridge } from '../../src/cluster/taskManagerProtocol';

const local = (key: string, epoch: number, attempt: number, task = 'count#0', channel = 0): Bridge => ({ task, channel, name: `${task} ${channel}`, local: { key, epoch, attempt } });
const kafka: Bridge = { task: 'src#0', channel: 1, name: 'src/0 -> count/1', kafka: { topic: 'app-exchange', sendPartition: 0, receivePartition: 1, receiveFrom: 0, attempt: 1, epoch: 3 } };
const portOf = (b: Bridge): MessagePort => (b as PortBridge).port;

describe("cluster/LocalChannels: channels between two task managers of one instance, paired by its main thread", () => {
  it("hands a channel's producer and consumer the two ends of one MessageChannel, whichever command comes first, and keeps other bridges as they are", async () => {
    const channels = new LocalChannels();
    const consumer = channels.pair([], [local('e3-a1-w1-src#0/0', 3, 1)]);
    expect(channels.waiting).to.equal(1);
    const producer = channels.pair([local('e3-a1-w1-src#0/0', 3, 1, 'src#0'), kafka], []);
    expect(channels.waiting).to.equal(0);
    expect(producer.outlets[1]).to.deep.equal(kafka);
    expect(producer.outlets[0]).to.include({ task: 'src#0', channel: 0, name: 'src#0 0' });
    expect(producer.transfer).to.deep.equal([portOf(producer.outlets[0])]);
    expect(consumer.transfer).to.deep.equal([portOf(consumer.inlets[0])]);
    const received = new Promise((resolve) => portOf(consumer.inlets[0]).once('message', resolve));
    portOf(producer.outlets[0]).postMessage({ frame: 1 });
    expect(await received).to.deep.equal({ frame: 1 });
    portOf(producer.outlets[0]).close();
  });

  it('refuses a second producer or consumer for one channel, naming it', () => {
    const channels = new LocalChannels();
    channels.pair([local('k', 3, 1)], []);
    expect(() => channels.pair([local('k', 3, 1)], [])).to.throw("channel count#0 0 (k) was handed its outlet twice: a local channel has one producer and one consumer");
  });

  it('lets go the channels of earlier attempts still waiting for their other end when a later attempt deploys, keeps those of the same attempt, and leaves the end handed out transferable', () => {
    const channels = new LocalChannels();
    const stale = channels.pair([], [local('e3-a1-w1-x', 3, 1)]);
    channels.pair([], [local('e3-a2-w2-x', 3, 2)]);
    channels.attemptStarted(3, 2);
    // Its command may still be held for a thread that boots: closing either end would detach it (DataCloneError when posted).
    const elsewhere = new MessageChannel();
    expect(() => elsewhere.port1.postMessage(null, [portOf(stale.inlets[0])])).to.not.throw();
    elsewhere.port1.close();
    expect(channels.waiting).to.equal(1);
    channels.attemptStarted(4, 0);
    expect(channels.waiting).to.equal(0);
  });
});
