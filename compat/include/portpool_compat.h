/* Control of portpool compat from a test (docs/drop-in.md): which simulated
 * machine the drop-in Windows calls of this process run against, as whom,
 * how it answers loose calls, and where the calls are recorded. The program
 * under test does not change; the test calls these functions, or sets the
 * PORTPOOL_* environment variables that the library reads by itself before
 * the program's first Windows call:
 *
 *   PORTPOOL_SEED=N           the machine: the seed of every choice (default 1)
 *   PORTPOOL_ELEVATED=1       processes start as administrator (default 0)
 *   PORTPOOL_STATE=FILE       a machine shared by every process that names
 *                             FILE, across runs (default: this process only)
 *   PORTPOOL_REBOOT=1         reboot that machine before the first call
 *   PORTPOOL_TRACE=FILE       write every call and answer there, as a trace
 *   PORTPOOL_ANSWERS=explore  loose calls answer as the schedule says
 *   PORTPOOL_SCHEDULE=1.0.2   that schedule (default: answer 0 each time)
 *   PORTPOOL_NEXT_SCHEDULE=FILE  at exit, write the next schedule, or "done"
 *   PORTPOOL_MUTANT=NAME      a deliberately wrong model, for negative tests
 *
 * A bad value stops the program at its first Windows call, with a message on
 * stderr and exit status 2 (a Windows call cannot report it). The functions
 * here open the machine from the variables too if none is open. Each returns
 * 0 (or a number >= 0) on success, and -1 with portpool_compat_error()
 * saying why on failure. Thread-safe.
 *
 * The functions are C (extern "C"); link portpool::compat. */
#ifndef PORTPOOL_COMPAT_H_
#define PORTPOOL_COMPAT_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum portpool_compat_answers {
  /* The seed picks one allowed answer of a loose call. */
  PORTPOOL_COMPAT_ANSWERS_SIMULATOR = 0,
  /* Loose calls take the answers the schedule names, in order (answer 0
   * after its end); portpool_compat_next_schedule walks every combination. */
  PORTPOOL_COMPAT_ANSWERS_EXPLORE = 1
};

typedef struct portpool_compat_options {
  uint64_t seed;
  int elevated;
  /* NULL: a machine of this process alone, gone when it closes. */
  const char* state_file;
  int reboot;
  /* NULL: no trace. */
  const char* trace_file;
  int answers; /* enum portpool_compat_answers */
  const char* schedule;
  /* At close, under the explore policy: the next schedule, or "done". */
  const char* next_schedule_file;
  /* NULL or "none": the model itself. */
  const char* mutant;
} portpool_compat_options;

/* The defaults: seed 1, not elevated, no files, the simulator's answers. */
void portpool_compat_default_options(portpool_compat_options* options);
/* The defaults overridden by the PORTPOOL_* variables. The strings point
 * into the environment. */
int portpool_compat_options_from_environment(portpool_compat_options* options);
/* Sets the PORTPOOL_* variables of this process to `options` (and unsets
 * the others), so that programs it starts run against the same machine. */
int portpool_compat_export_environment(const portpool_compat_options* options);

/* Opens the machine. An error if one is open already (close it first). */
int portpool_compat_open(const portpool_compat_options* options);
/* Closes the machine: with a state file, this OS process's processes on it
 * end first (as its exit would end them on Windows); then the trace and the
 * next schedule are written. Done at exit by itself. */
int portpool_compat_close(void);
/* Why the last call failed, in English; "" after a success. */
const char* portpool_compat_error(void);

/* Restarts the machine: every process ends, persistent reservations stay.
 * The next Windows call comes from a new process. */
int portpool_compat_reboot(void);
/* Starts a process (elevated or not) that the Windows calls of this OS
 * process come from from now on, and returns its number (N of pN in the
 * trace). */
int portpool_compat_start_process(int elevated);
/* Makes the live process number `process` the caller again. */
int portpool_compat_use_process(int process);
/* Ends process number `process`: its sockets close and its runtime
 * reservations go. If it was the caller, the next call starts a new one. */
int portpool_compat_end_process(int process);
/* The caller's process number, or 0 if no call has started one yet. */
int portpool_compat_current_process(void);
/* netsh int ipv4 set dynamicport: `protocol` is 6 (TCP) or 17 (UDP). */
int portpool_compat_set_dynamic_range(int protocol, unsigned start, unsigned count);

/* Explore policy: writes the schedule of the next run into `buffer` (a
 * string like "1.0.2") and returns 1, or returns 0 when every combination
 * of the loose calls' answers has been run. -1 if `size` is too small. */
int portpool_compat_next_schedule(char* buffer, size_t size);
/* The machine's history so far, as trace text (valid until this thread's
 * next call of it); "" with portpool_compat_error() set on failure. */
const char* portpool_compat_trace_text(void);

#ifdef __cplusplus
}
#endif

#endif /* PORTPOOL_COMPAT_H_ */
