import { X509Certificate, createPrivateKey } from 'node:crypto';
import { createSecureContext } from 'node:tls';
import { readOptionFile as read } from '../util/option-file.js';

/** The WebSocket edge's certificate, read once at start (docs/configuration.md, "wss://"). */
export interface WsTls {
  cert: Buffer;
  key: Buffer;
  /** Client certificates must be signed by one of these CAs (mTLS); without it none is asked for. */
  clientCa?: Buffer;
}

export interface WsTlsFiles {
  wsTlsCert?: string | undefined;
  wsTlsKey?: string | undefined;
  wsTlsClientCa?: string | undefined;
}

function parsed(flag: string, path: string, check: () => unknown): void {
  try {
    check();
  } catch (err) {
    throw new Error(`${flag} ${path}: not usable: ${(err as Error).message}`);
  }
}

/** The files of --ws-tls-cert/--ws-tls-key/--ws-tls-client-ca, checked now so a bad one stops serve at start. */
export function readWsTls(o: WsTlsFiles): WsTls | undefined {
  if (!o.wsTlsCert && !o.wsTlsKey && !o.wsTlsClientCa) return undefined;
  if (!o.wsTlsCert || !o.wsTlsKey) throw new Error('--ws-tls-cert and --ws-tls-key go together (--ws-tls-client-ca needs both)');
  const cert = read('--ws-tls-cert', o.wsTlsCert);
  const key = read('--ws-tls-key', o.wsTlsKey);
  const clientCa = o.wsTlsClientCa === undefined ? undefined : read('--ws-tls-client-ca', o.wsTlsClientCa);
  parsed('--ws-tls-cert', o.wsTlsCert, () => new X509Certificate(cert));
  parsed('--ws-tls-key', o.wsTlsKey, () => createPrivateKey(key));
  if (clientCa) parsed('--ws-tls-client-ca', o.wsTlsClientCa!, () => new X509Certificate(clientCa));
  parsed('--ws-tls-key', o.wsTlsKey, () => createSecureContext({ cert, key })); // the key belongs to the certificate
  return clientCa ? { cert, key, clientCa } : { cert, key };
}
