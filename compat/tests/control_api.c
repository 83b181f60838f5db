/* portpool_compat.h is C: this file, compiled as C99 with warnings as errors
 * (test compat.control_api_is_c), names every function and constant of it. */
#include <portpool_compat.h>
#include <stdio.h>

int main(void) {
  portpool_compat_options options;
  char schedule[64];
  portpool_compat_default_options(&options);
  if (portpool_compat_options_from_environment(&options) != 0) return 2;
  options.answers = PORTPOOL_COMPAT_ANSWERS_EXPLORE;
  options.answers = PORTPOOL_COMPAT_ANSWERS_SIMULATOR;
  if (portpool_compat_export_environment(&options) != 0 || portpool_compat_open(&options) != 0) {
    fprintf(stderr, "%s\n", portpool_compat_error());
    return 1;
  }
  portpool_compat_start_process(1);
  portpool_compat_use_process(portpool_compat_current_process());
  portpool_compat_set_dynamic_range(6, 50000, 1000);
  portpool_compat_end_process(1);
  portpool_compat_reboot();
  portpool_compat_next_schedule(schedule, sizeof schedule);
  puts(portpool_compat_trace_text());
  return portpool_compat_close();
}
