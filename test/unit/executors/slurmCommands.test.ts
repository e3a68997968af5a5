/**
 * The Slurm executor's words with Slurm, without a cluster: the sbatch command line and batch script
 * of a sweep, and squeue / scontrol / sbatch outputs recorded from Slurm 22.05.
 */
import assert from 'node:assert/strict';
import {
  arraySpec,
  batchScript,
  parseArrayIndices,
  parseSbatchJobId,
  parseScontrolJobs,
  parseSqueue,
  sbatchArguments,
  schedulerStatusWord,
  shellQuote,
  slurmEnding,
  memberStatusOf,
  TASK_ID,
} from '../../../src/executors/slurmCommands';
import { slurmResourcesOf } from '../../../src/executors/executorChoice';
import { slurmTaskIdentity } from '../../../src/executors/slurmTask';

// Recorded from `squeue --noheader --array --jobs=1 --format=%F|%K|%A|%T|%r|%N` on the test cluster.
const SQUEUE = `1|2|1|PENDING|Resources|
1|3|1|PENDING|Resources|
1|0|2|RUNNING|None|vm
1|1|3|RUNNING|None|vm
`;

// Recorded from `scontrol show job -o 1` (fields shortened): the pending rest of the array, a running task, a task ended at its limit.
const SCONTROL = `JobId=1 ArrayJobId=1 ArrayTaskId=3%3 ArrayTaskThrottle=3 JobName=job.sh UserId=root(0) JobState=PENDING Reason=Resources Dependency=(null) NodeList= NumNodes=1 Command=/tmp/x/job.sh StdOut=/tmp/x/out-1_4294967294.txt Power=
JobId=3 ArrayJobId=1 ArrayTaskId=1 ArrayTaskThrottle=3 JobName=job.sh UserId=root(0) JobState=RUNNING Reason=None Dependency=(null) NodeList=vm BatchHost=vm Command=/tmp/x/job.sh Power=
JobId=2 ArrayJobId=1 ArrayTaskId=0 ArrayTaskThrottle=3 JobName=job.sh UserId=root(0) JobState=TIMEOUT Reason=TimeLimit Dependency=(null) NodeList=vm Command=/tmp/x/job.sh Power=
JobId=9 JobName=other JobState=RUNNING Reason=None NodeList=vm
`;

describe('Slurm commands: arrays, sbatch, squeue, scontrol (no cluster)', () => {
  it('writes and reads array lists', () => {
    assert.equal(arraySpec([0, 1, 2, 3]), '0-3');
    assert.equal(arraySpec([3, 1, 7, 2]), '1-3,7');
    assert.equal(arraySpec([5]), '5');
    assert.deepEqual(parseArrayIndices('0-3,7'), [0, 1, 2, 3, 7]);
    assert.deepEqual(parseArrayIndices('[1-3%2]'), [1, 2, 3]);
    assert.deepEqual(parseArrayIndices('3%3'), [3]);
    assert.deepEqual(parseArrayIndices('0-6:3'), [0, 3, 6]);
  });

  it('builds the sbatch command line from the executor section', () => {
    const resources = slurmResourcesOf({ partition: 'gpu', cpusPerTask: 4, memory: '8G', time: 30, maxConcurrent: 2, sbatchOptions: ['--gres=gpu:1'] });
    const args = sbatchArguments({ jobName: 'adding', indices: [1, 3], output: '/s/slurm-%A_%a.out', workDir: '/s', resources, script: '/s/slurm-job.sh' });
    assert.deepEqual(args, [
      '--parsable',
      '--job-name=adding',
      '--array=1,3%2',
      '--output=/s/slurm-%A_%a.out',
      '--chdir=/s',
      '--cpus-per-task=4',
      '--partition=gpu',
      '--mem=8G',
      '--time=30',
      '--gres=gpu:1',
      '/s/slurm-job.sh',
    ]);
    const plain = sbatchArguments({ jobName: 'a', indices: [0, 1], output: 'o', workDir: 'w', resources: slurmResourcesOf(undefined), script: 's' });
    assert.deepEqual(plain, ['--parsable', '--job-name=a', '--array=0-1', '--output=o', '--chdir=w', '--cpus-per-task=1', 's']);
  });

  it('writes a batch script that execs the trainer with the task id and quoted paths', () => {
    const script = batchScript(['/usr/bin/node', '/my lab/bin/hrnn.js', 'train', "it's.yaml", '--sweep-index', TASK_ID], ['a comment']);
    assert.equal(script, `#!/bin/sh\n# a comment\nexec /usr/bin/node '/my lab/bin/hrnn.js' train 'it'\\''s.yaml' --sweep-index "$SLURM_ARRAY_TASK_ID"\n`);
    assert.equal(shellQuote('a$b'), `'a$b'`);
  });

  it('reads the job id from sbatch --parsable', () => {
    assert.equal(parseSbatchJobId('1234\n'), '1234');
    assert.equal(parseSbatchJobId('1234;cluster\n'), '1234');
    assert.equal(parseSbatchJobId('sbatch: error: Batch job submission failed\n'), null);
  });

  it('parses squeue: pending and running tasks with their own job ids and nodes', () => {
    assert.deepEqual(parseSqueue(SQUEUE, '1'), [
      { taskId: 2, state: 'PENDING', reason: 'Resources' },
      { taskId: 3, state: 'PENDING', reason: 'Resources' },
      { taskId: 0, state: 'RUNNING', reason: 'None', taskJobId: '2', node: 'vm' },
      { taskId: 1, state: 'RUNNING', reason: 'None', taskJobId: '3', node: 'vm' },
    ]);
    assert.deepEqual(
      parseSqueue('7|[0-2%1]|7|PENDING|JobArrayTaskLimit|\n', '7').map((t) => t.taskId),
      [0, 1, 2],
    );
    assert.deepEqual(parseSqueue(SQUEUE, '2'), [], 'other jobs are not this array');
  });

  it('parses scontrol show job -o: states and reasons of the array tasks only', () => {
    assert.deepEqual(parseScontrolJobs(SCONTROL, '1'), [
      { taskId: 3, state: 'PENDING', reason: 'Resources', taskJobId: '1' },
      { taskId: 1, state: 'RUNNING', reason: 'None', taskJobId: '3', node: 'vm' },
      { taskId: 0, state: 'TIMEOUT', reason: 'TimeLimit', taskJobId: '2', node: 'vm' },
    ]);
  });

  it('says how Slurm ended a task, and nothing for a task that ended by itself', () => {
    assert.equal(slurmEnding('CANCELLED')?.word, 'cancelled');
    assert.match(slurmEnding('CANCELLED+')!.message, /cancelled in Slurm/);
    assert.match(slurmEnding('TIMEOUT', 'TimeLimit')!.message, /time limit \(TIMEOUT, TimeLimit\).*--resume/);
    assert.equal(slurmEnding('OUT_OF_MEMORY')?.word, 'out of memory');
    assert.equal(slurmEnding('NODE_FAIL')?.word, 'node failure');
    assert.equal(slurmEnding('COMPLETED'), null);
    assert.equal(slurmEnding('FAILED'), null);
    assert.equal(memberStatusOf('PENDING'), 'pending');
    assert.equal(memberStatusOf('COMPLETING'), 'running');
    assert.equal(schedulerStatusWord({ scheduler: 'slurm', jobId: '1', taskId: 0, ended: { state: 'TIMEOUT', reason: 'TimeLimit', at: '' } }), 'time limit');
    assert.equal(schedulerStatusWord({ scheduler: 'slurm', jobId: '1', taskId: 0, state: 'RUNNING' }), null);
  });

  it("reads a task's identity from Slurm's environment", () => {
    assert.deepEqual(slurmTaskIdentity({ SLURM_ARRAY_JOB_ID: '12', SLURM_ARRAY_TASK_ID: '3', SLURM_JOB_ID: '15', SLURMD_NODENAME: 'n1' }), {
      scheduler: 'slurm',
      jobId: '12',
      taskId: 3,
      state: 'RUNNING',
      reason: 'None',
      taskJobId: '15',
      node: 'n1',
    });
    assert.equal(slurmTaskIdentity({}), null);
  });
});
