/** The README's porting table names every public export, and its set-up commands are the real ones. */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as api from '../src';

const root = join(__dirname, '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');

describe('README', () => {
  it('the Lisp → TypeScript table names every exported value', () => {
    const table = readme.slice(readme.indexOf('## Porting from Lisp'), readme.indexOf('## Benchmarks'));
    const missing = Object.keys(api).filter((name) => !new RegExp('`' + name + '(?![A-Za-z0-9_])').test(table));
    expect(missing).to.deep.equal([]);
  });

  it('gives the set-up commands that package.json defines', () => {
    const scripts = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts as Record<string, string>;
    expect(readme).to.contain('npm install && npm start');
    expect(readme).to.contain('npm test');
    expect(scripts.start).to.equal('ts-node examples/demo.ts');
    expect(scripts.test).to.match(/mocha$/);
  });
});
