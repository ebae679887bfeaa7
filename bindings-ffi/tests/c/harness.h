/* A small test harness for the C tests of libmsi_identity: checks count, failures are printed with their place,
 * and the last line of the run is "N passed, M failed". */
#ifndef MSI_TEST_HARNESS_H
#define MSI_TEST_HARNESS_H

#include "msi_identity.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern int g_passed;
extern int g_failed;

/* What every test file gets: a running emulator (started through this C ABI), an admin client, a resource group
 * made for this run, and names unique to this run. */
typedef struct Fixture {
  MsiEmulator *emulator;
  MsiClient *client;
  char subscription[64];
  char tenant[64];
  char endpoint[128];
  char ca_cert_path[1024];
  char rg[64];
  char suffix[32];
} Fixture;

void check_at(bool ok, const char *what, const char *file, int line);
#define CHECK(cond) check_at((cond), #cond, __FILE__, __LINE__)

/* Check a call's result; on an unexpected result print the error object. Frees the error. */
void check_result_at(MsiResult got, MsiResult want, MsiError *err, const char *what, const char *file, int line);
#define EXPECT(want, call)                                                                                   \
  do {                                                                                                       \
    MsiError *err_ = NULL;                                                                                   \
    MsiResult r_ = (call);                                                                                   \
    check_result_at(r_, (want), err_, #call, __FILE__, __LINE__);                                            \
  } while (0)
/* `call` must pass `&err_` as its error_out. */
#define EXPECT_OK(call) EXPECT(MSI_RESULT_OK, call)

/* JSON helpers over the compact JSON the library writes ("key":"value"). */
bool json_has(const char *json, const char *needle);
/* Copy the first string value of "key" into buf; false when absent. */
bool json_string(const char *json, const char *key, char *buf, size_t n);

/* The test files. */
void test_error(Fixture *f);
void test_settings(Fixture *f);
void test_client(Fixture *f);
void test_compute(Fixture *f);
void test_user_identity(Fixture *f);
void test_roles(Fixture *f);
void test_managed_identity(Fixture *f);
void test_emulator(Fixture *f);
void test_tokens(Fixture *f);
void test_bulk(Fixture *f);
void test_desired(Fixture *f);

#endif
