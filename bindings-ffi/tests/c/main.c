/* Runs every C test against one emulator started through the C ABI. Usage: c_tests [DATA_DIR]
 * (in memory when no directory is given). The last line is "N passed, M failed". */
#include "harness.h"

#include <time.h>

static double now_seconds(void) {
  struct timespec ts;
  timespec_get(&ts, TIME_UTC);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static unsigned long time_suffix(void) {
  struct timespec ts;
  timespec_get(&ts, TIME_UTC);
  return (unsigned long)ts.tv_sec * 1000000UL + (unsigned long)(ts.tv_nsec / 1000);
}

int g_passed = 0;
int g_failed = 0;

void check_at(bool ok, const char *what, const char *file, int line) {
  if (ok) {
    g_passed++;
  } else {
    g_failed++;
    fprintf(stderr, "FAIL %s:%d: %s\n", file, line, what);
  }
}

void check_result_at(MsiResult got, MsiResult want, MsiError *err, const char *what, const char *file, int line) {
  if (got == want) {
    g_passed++;
  } else {
    g_failed++;
    const char *got_name = msi_result_name(got);
    const char *want_name = msi_result_name(want);
    fprintf(stderr, "FAIL %s:%d: %s: got %d (%s), want %d (%s)", file, line, what, (int)got,
            got_name ? got_name : "?", (int)want, want_name ? want_name : "?");
    if (err != NULL) {
      const char *code = msi_error_code(err);
      fprintf(stderr, ": %s [status %d, code %s]", msi_error_message(err), (int)msi_error_status(err),
              code ? code : "-");
    }
    fprintf(stderr, "\n");
  }
  msi_error_free(err);
}

bool json_has(const char *json, const char *needle) { return json != NULL && strstr(json, needle) != NULL; }

bool json_string(const char *json, const char *key, char *buf, size_t n) {
  char pat[128];
  snprintf(pat, sizeof pat, "\"%s\":\"", key);
  const char *p = json ? strstr(json, pat) : NULL;
  if (p == NULL || n == 0) {
    return false;
  }
  p += strlen(pat);
  size_t i = 0;
  while (*p && *p != '"' && i + 1 < n) {
    buf[i++] = *p++;
  }
  buf[i] = '\0';
  return *p == '"';
}

int main(int argc, char **argv) {
  Fixture f;
  memset(&f, 0, sizeof f);
  const char *data_dir = argc > 1 ? argv[1] : NULL;
  MsiError *err = NULL;
  MsiResult r = msi_emulator_start(data_dir, 0, 0, true, "off", &f.emulator, &err);
  if (r != MSI_RESULT_OK) {
    fprintf(stderr, "cannot start the emulator: %s\n", err ? msi_error_message(err) : "?");
    msi_error_free(err);
    printf("0 passed, 1 failed\n");
    return 1;
  }
  char *info = NULL;
  EXPECT_OK(msi_emulator_info(f.emulator, &info, &err_));
  CHECK(json_string(info, "subscriptionId", f.subscription, sizeof f.subscription));
  CHECK(json_string(info, "tenantId", f.tenant, sizeof f.tenant));
  CHECK(json_string(info, "endpoint", f.endpoint, sizeof f.endpoint));
  CHECK(json_string(info, "caCertPath", f.ca_cert_path, sizeof f.ca_cert_path));
  msi_string_free(info);
  EXPECT_OK(msi_emulator_client_new(f.emulator, &f.client, &err_));
  /* Unique names: a persistent data directory is reused across runs (plain, then under valgrind). */
  snprintf(f.suffix, sizeof f.suffix, "%lx", (unsigned long)time_suffix());
  snprintf(f.rg, sizeof f.rg, "c-tests-%s", f.suffix);
  char *group = NULL;
  EXPECT_OK(msi_group_create(f.client, f.rg, "westus", &group, &err_));
  msi_string_free(group);

  static const struct {
    const char *name;
    void (*run)(Fixture *);
  } files[] = {
      {"test_error", test_error},       {"test_settings", test_settings},
      {"test_client", test_client},     {"test_compute", test_compute},
      {"test_user_identity", test_user_identity}, {"test_roles", test_roles},
      {"test_managed_identity", test_managed_identity}, {"test_tokens", test_tokens},
      {"test_bulk", test_bulk},         {"test_desired", test_desired},
      {"test_emulator", test_emulator},
  };
  for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
    int before = g_failed;
    double t0 = now_seconds();
    files[i].run(&f);
    fprintf(stderr, "%-24s %s %.2fs\n", files[i].name, g_failed == before ? "ok  " : "FAIL", now_seconds() - t0);
  }

  msi_client_free(f.client);
  msi_emulator_free(f.emulator);
  printf("%d passed, %d failed\n", g_passed, g_failed);
  return g_failed == 0 ? 0 : 1;
}
