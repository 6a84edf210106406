/**
 * The headers of every record of the exchange topic: the attempt and epoch of the wiring that
 * produced it (a channel end reads only its own: frames of an earlier attempt, or of a master
 * of an older epoch, are skipped), the record's number among its port's (`sluice-seq`, from 0:
 * a reader finding one missing fails the channel instead of going on without it — frames carry
 * records and barriers, so a lost one would lose records silently), and on the close marker
 * `sluice-close`.
 */
import type { IHeaders } from 'kafkajs';
import type { KafkaHeaders } from '../connectors/kafka/fetchResponse';

const ATTEMPT = 'sluice-attempt';
const EPOCH = 'sluice-epoch';
const CLOSE = 'sluice-close';
const SEQ = 'sluice-seq';

export interface ExchangeHeaders {
  readonly attempt: number;
  readonly epoch: number;
  /** Its number among the records its port produced (frames, demands, the close marker), from 0. */
  readonly seq: number;
  /** The producing end closed the channel: nothing follows. */
  readonly close: boolean;
}

export function exchangeHeaders({ attempt, epoch, seq, close }: ExchangeHeaders): IHeaders {
  const headers: IHeaders = { [ATTEMPT]: String(attempt), [EPOCH]: String(epoch), [SEQ]: String(seq) };
  if (close) headers[CLOSE] = '1';
  return headers;
}

/** The headers of a fetched record, or undefined when it has no attempt, epoch and number (not a frame of Sluice). */
export function readExchangeHeaders(headers: KafkaHeaders): ExchangeHeaders | undefined {
  const number = (name: string): number | undefined => {
    const raw = headers[name];
    const text = Buffer.isBuffer(raw) ? raw.toString() : typeof raw === 'string' ? raw : undefined;
    return text !== undefined && /^\d{1,15}$/.test(text) ? Number(text) : undefined;
  };
  const attempt = number(ATTEMPT);
  const epoch = number(EPOCH);
  const seq = number(SEQ);
  if (attempt === undefined || epoch === undefined || seq === undefined) return undefined;
  return { attempt, epoch, seq, close: headers[CLOSE] !== undefined };
}
