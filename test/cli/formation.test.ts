import { describe, expect, test } from 'vitest';
import {
  basePort,
  instanceEnv,
  parseFormation,
  planInstances,
  splitStartArgs,
} from '../../src/cli/formation.js';
import { parseProcfile } from '../../src/cli/procfile.js';

const entries = parseProcfile('web: node web.js\nworker: node worker.js\nclock: node clock.js\n');
const summary = (instances: ReturnType<typeof planInstances>) =>
  instances.map((i) => `${i.name}:${i.port}`);

describe('formation', () => {
  test('parses name=count items, all for the others', () => {
    const formation = parseFormation('all=2, web=3,worker=0');
    expect(formation.all).toBe(2);
    expect([...formation.counts]).toEqual([
      ['web', 3],
      ['worker', 0],
    ]);
    expect(parseFormation('web=2').all).toBeUndefined();
  });

  test('runs only the processes the formation names, as foreman and node-foreman do; all=N sets the others', () => {
    const plan = (text: string) =>
      summary(planInstances(entries, { procfile: 'P', formation: parseFormation(text) }));
    expect(plan('web=2')).toEqual(['web.1:5000', 'web.2:5001']);
    expect(plan('web=2,worker=1')).toEqual(['web.1:5000', 'web.2:5001', 'worker:5100']);
    expect(plan('all=1,web=2')).toEqual(['web.1:5000', 'web.2:5001', 'worker:5100', 'clock:5200']);
    expect(plan('all=2,clock=0')).toEqual([
      'web.1:5000',
      'web.2:5001',
      'worker.1:5100',
      'worker.2:5101',
    ]);
    // Without -m: one of each.
    expect(summary(planInstances(entries, { procfile: 'P' }))).toEqual([
      'web:5000',
      'worker:5100',
      'clock:5200',
    ]);
  });

  test('a process named on the command line runs once unless the formation says otherwise', () => {
    const plan = (names: string[], text: string) =>
      summary(planInstances(entries, { procfile: 'P', names, formation: parseFormation(text) }));
    expect(plan(['web', 'clock'], 'web=2')).toEqual(['web.1:5000', 'web.2:5001', 'clock:5200']);
    expect(plan(['clock'], 'all=3')).toEqual(['clock.1:5200', 'clock.2:5201', 'clock.3:5202']);
    expect(plan(['worker'], 'web=2')).toEqual(['worker:5100']);
    expect(() => plan(['worker'], 'worker=0')).toThrow('P: nothing to run');
  });

  test('PS is the process name and instance number, web.1 also for a single instance, as foreman sets it', () => {
    const instances = planInstances(entries, {
      procfile: 'P',
      formation: parseFormation('web=2,clock=1'),
    });
    expect(instances.map((instance) => [instance.name, instance.ps])).toEqual([
      ['web.1', 'web.1'],
      ['web.2', 'web.2'],
      ['clock', 'clock.1'],
    ]);
    expect(instanceEnv(instances[2]!, { A: '1', PORT: '1', PS: 'x' })).toEqual({
      A: '1',
      PORT: '5200',
      PS: 'clock.1',
    });
  });

  test.each([
    ['web', 'expected name=count items'],
    ['web=two', 'the count of "web" must be a whole number from 0 to 1000; got "two"'],
    ['web=-1', 'the count of "web" must be a whole number from 0 to 1000; got "-1"'],
    ['web=1001', 'must be a whole number from 0 to 1000'],
    ['web=1,web=2', '"web" is given twice'],
  ])('rejects %s', (text, message) => {
    expect(() => parseFormation(text)).toThrow(message);
  });

  test('names instances web.1, web.2 when there are several; zero leaves a process out', () => {
    expect(
      summary(
        planInstances(entries, { procfile: 'P', formation: parseFormation('all=1,web=2,clock=0') }),
      ),
    ).toEqual(['web.1:5000', 'web.2:5001', 'worker:5100']);
  });

  test('PORT is base + 100 × the index in the Procfile + instance − 1, also for a subset', () => {
    expect(
      summary(
        planInstances(entries, {
          procfile: 'P',
          names: ['clock'],
          formation: parseFormation('all=3'),
          basePort: 3000,
        }),
      ),
    ).toEqual(['clock.1:3200', 'clock.2:3201', 'clock.3:3202']);
  });

  test('rejects an unknown name in the subset or the formation, a port above 65535, and nothing to run', () => {
    expect(() => planInstances(entries, { procfile: 'P', names: ['wbe'] })).toThrow(
      'P: no process named "wbe"; its processes: web, worker, clock',
    );
    expect(() => planInstances(entries, { procfile: 'P', names: ['web.2'] })).toThrow(
      '"web.2" is an instance name; name the process ("web")',
    );
    expect(() =>
      planInstances(entries, { procfile: 'P', formation: parseFormation('wrk=1') }),
    ).toThrow('-m, --formation: no process named "wrk" in P');
    expect(() => planInstances(entries, { procfile: 'P', basePort: 65_400 })).toThrow(
      'the PORT of "clock" would be 65600',
    );
    expect(() =>
      planInstances(entries, { procfile: 'P', formation: parseFormation('all=0') }),
    ).toThrow('nothing to run');
  });
});

describe('the base port', () => {
  test('--port, else PORT from the env files, else from the environment, else 5000', () => {
    expect(basePort(4000, { PORT: '3000' }, { PORT: '2000' })).toBe(4000);
    expect(basePort(undefined, { PORT: '3000' }, { PORT: '2000' })).toBe(3000);
    expect(basePort(undefined, {}, { PORT: '2000' })).toBe(2000);
    expect(basePort(undefined, {}, {})).toBe(5000);
  });

  test('a PORT that is no port is an error naming where it is set, not its value', () => {
    expect(() => basePort(undefined, { PORT: 'eighty' }, {}, '.env')).toThrow(
      /^PORT in \.env must be a whole number from 0 to 65535/,
    );
    expect(() => basePort(undefined, {}, { PORT: '99999' })).toThrow(
      /^PORT in the environment must be/,
    );
    expect(() => basePort(undefined, { PORT: 'eighty' }, {})).not.toThrow(/eighty/);
  });
});

describe('xsup start [PROCFILE] [NAME...]', () => {
  test('the first argument is the Procfile when it is no name, or a file of that name exists', () => {
    const none = () => false;
    expect(splitStartArgs([], none)).toEqual({ procfile: 'Procfile', names: [] });
    expect(splitStartArgs(['web', 'worker'], none)).toEqual({
      procfile: 'Procfile',
      names: ['web', 'worker'],
    });
    expect(splitStartArgs(['config/Procfile', 'web'], none)).toEqual({
      procfile: 'config/Procfile',
      names: ['web'],
    });
    expect(splitStartArgs(['Procfile.dev'], none)).toEqual({
      procfile: 'Procfile.dev',
      names: [],
    });
    expect(splitStartArgs(['Procfile', 'web'], (path) => path === 'Procfile')).toEqual({
      procfile: 'Procfile',
      names: ['web'],
    });
  });
});
