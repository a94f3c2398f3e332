/**
 * No lost bytes, CI size (64 MiB each; `bench/no-lost-bytes.ts` runs 1 GiB): random data
 * with random pauses on both sides arrives byte-exact (SHA-256) through simple-proxy (both
 * directions at once), as an httpRequest upload and as a streamed download.
 */
import { expect } from 'chai';
import { httpDownload, httpUpload, throughProxy, Transfer } from '../../bench/no-lost-bytes';
import { resourceBaseline } from '../support/sockets';

const BYTES = 64 * 1024 * 1024;

function expectExact(t: Transfer): void {
  expect(t.receivedBytes, 'bytes arrived').to.equal(BYTES);
  expect(t.received, 'sha256 of what arrived').to.equal(t.sent);
}

describe('no lost bytes (64 MiB, random pauses)', function () {
  this.timeout(60_000);

  it('through simple-proxy, both directions at once', async () => {
    const leaks = await resourceBaseline();
    const [up, down] = await throughProxy(BYTES);
    expectExact(up);
    expectExact(down);
    await leaks.check();
  });

  it('httpRequest upload (chunked stream) to httpServer', async () => {
    const leaks = await resourceBaseline();
    expectExact(await httpUpload(BYTES));
    await leaks.check();
  });

  it('httpServer streamed download to httpRequest with wantStream', async () => {
    const leaks = await resourceBaseline();
    expectExact(await httpDownload(BYTES));
    await leaks.check();
  });
});
