import { expect } from 'chai';
import * as fs from 'fs';
import * as path from 'path';
import { runExample } from '../../samples/kafka-windows/example';
import { SensorAverage } from '../../samples/kafka-windows/readings';
import { kafkaBootstrap } from '../support/kafkaService';
import { readCommitted } from '../support/kafkaTopics';

/** [sensor, window start (09:00:ss), readings, average °C]: 4 sensors, a reading every 100 ms, 20 s. */
const WINDOWS: [string, string, number, number][] = [
  ['sensor-1', '09:00:00', 99, 17.78], // one straggler: its reading of 09:00:04.000 is late
  ['sensor-2', '09:00:00', 100, 19.18],
  ['sensor-3', '09:00:00', 100, 19.86],
  ['sensor-4', '09:00:00', 99, 20.96], // 09:00:05.900 is late
  ['sensor-1', '09:00:10', 100, 17.98],
  ['sensor-2', '09:00:10', 100, 19.08],
  ['sensor-3', '09:00:10', 99, 20.07], // 09:00:14.600 is late
  ['sensor-4', '09:00:10', 100, 20.95],
];

const rowsOf = (averages: readonly SensorAverage[]) =>
  averages.map((a) => [a.sensor, a.window_start.slice(11, 19), a.readings, a.avg_celsius]).sort((a, b) => (`${a[1]} ${a[0]}` < `${b[1]} ${b[0]}` ? -1 : 1));

describe('samples/kafka-windows (the article\'s job, make run-kafka)', () => {
  let bootstrap: string;
  before(async function () {
    this.timeout(600_000);
    bootstrap = await kafkaBootstrap(this);
  });

  it('gives the exact window results in Kafka from the DataStream and the SQL job, and the late readings on the side output', async function () {
    this.timeout(180_000);
    const lines: string[] = [];
    const report = await runExample({ bootstrap, size: { sensors: 4, seconds: 20, periodMs: 100 }, speed: 40, print: (l) => lines.push(l) });
    expect(lines[lines.length - 1], lines.join('\n')).to.match(/^PASS: 2 windows x 4 sensors exact in both jobs' outputs, each once; 3 late readings on the side output/);
    expect(report.passed).to.equal(true);
    expect(lines.filter((l) => / window 09:00:[01]0-09:00:[12]0: 4 sensors, \d+ readings, average [\d.]+ °C; the SQL job wrote the same/.test(l))).to.have.length(2);

    expect(rowsOf(report.dataStream.averages)).to.deep.equal(WINDOWS);
    expect(rowsOf(report.sql.averages)).to.deep.equal(WINDOWS);
    // The DataStream job's output once more, as docs/quickstart.md reads it: with Kafka's own console consumer.
    const consoleConsumer = await readCommitted(bootstrap, report.topics.averages, WINDOWS.length);
    expect(rowsOf(consoleConsumer.map((r) => JSON.parse(r.value ?? 'null') as SensorAverage))).to.deep.equal(WINDOWS);
    expect(report.dataStream.late.map((r) => `${r.sensor} ${new Date(r.ts).toISOString().slice(11, 23)}`).sort()).to.deep.equal([
      'sensor-1 09:00:04.000',
      'sensor-3 09:00:14.600',
      'sensor-4 09:00:05.900',
    ]);
  });
});

describe('samples/kafka-windows in the docs', () => {
  const repo = path.resolve(__dirname, '../../..');
  const read = (file: string) => fs.readFileSync(path.join(repo, file), 'utf8');
  const blocks = (markdown: string, language: string) => [...markdown.matchAll(new RegExp('```' + language + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]);
  const linesOf = (code: string) => code.split('\n').map((l) => l.trim()).filter((l) => l.length > 0);

  /** The part of a document about the job: the root README's section of it, the others whole. */
  const about = (doc: string) => {
    const text = read(doc);
    if (doc !== 'README.md') return text;
    const from = text.indexOf('## Kafka → 10 s windows');
    return text.slice(from, text.indexOf('\n## ', from + 1));
  };

  for (const doc of ['README.md', 'samples/kafka-windows/README.md', 'docs/quickstart.md']) {
    it(`${doc} shows the job's code as job.ts and sqlJob.ts have it`, () => {
      const job = linesOf(read('samples/kafka-windows/job.ts'));
      const sql = linesOf(read('samples/kafka-windows/sqlJob.ts')).map((l) => l.replace(/^`/, '').replace(/`,?$/, ''));
      const shown = blocks(about(doc), 'ts').flatMap(linesOf);
      expect(shown.length).to.be.greaterThan(5);
      expect(shown.filter((l) => !job.some((j) => j === l || j.startsWith(`${l} //`)))).to.deep.equal([]);
      const query = blocks(about(doc), 'sql').flatMap(linesOf).filter((l) => /^(INSERT|SELECT|FROM|GROUP BY)/.test(l)).map((l) => l.replace(/;$/, ''));
      expect(query).to.have.length(4);
      expect(query.filter((l) => !sql.includes(l))).to.deep.equal([]);
    });
  }
});
