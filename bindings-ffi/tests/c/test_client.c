/* Resource groups, non-ASCII names, and one client shared by several threads. */
#define _POSIX_C_SOURCE 200809L
#include "harness.h"

#include <pthread.h>
#include <signal.h>

typedef struct Job {
  Fixture *f;
  int ok;
} Job;

static void *worker(void *arg) {
  Job *job = arg;
  for (int i = 0; i < 5; i++) {
    char *json = NULL;
    if (msi_group_get(job->f->client, job->f->rg, &json, NULL) == MSI_RESULT_OK && json_has(json, job->f->rg)) {
      job->ok++;
    }
    msi_string_free(json);
  }
  return NULL;
}

void test_client(Fixture *f) {
  char *json = NULL;
  EXPECT_OK(msi_group_get(f->client, f->rg, &json, &err_));
  CHECK(json_has(json, f->rg));
  msi_string_free(json);

  /* Unicode letters are allowed in group names and come back as sent. */
  char name[96];
  snprintf(name, sizeof name, "gr\xc3\xbc\xc3\x9f" "e-\xe6\x97\xa5\xe6\x9c\xac-%s", f->suffix);
  json = NULL;
  EXPECT_OK(msi_group_create(f->client, name, "West US", &json, &err_));
  CHECK(json_has(json, name));
  CHECK(json_has(json, "\"location\":\"westus\""));
  msi_string_free(json);

  /* Another location for an existing group: conflict (409). */
  MsiError *err = NULL;
  json = NULL;
  CHECK(msi_group_create(f->client, name, "eastus", &json, &err) == MSI_RESULT_CONFLICT);
  CHECK(err != NULL && msi_error_status(err) == 409);
  msi_error_free(err);

  /* SIGPIPE (a peer closing a socket) must not kill this C host: the library blocks it only in its own threads
   * and for the duration of a call, and leaves the process's disposition and this thread's mask as they were. */
  struct sigaction before;
  sigaction(SIGPIPE, NULL, &before);
  CHECK(before.sa_handler == SIG_DFL);
  sigset_t mask;
  pthread_sigmask(SIG_BLOCK, NULL, &mask);
  CHECK(!sigismember(&mask, SIGPIPE));

  /* Eight threads, one client. */
  pthread_t t[8];
  Job jobs[8];
  for (int i = 0; i < 8; i++) {
    jobs[i].f = f;
    jobs[i].ok = 0;
    pthread_create(&t[i], NULL, worker, &jobs[i]);
  }
  int total = 0;
  for (int i = 0; i < 8; i++) {
    pthread_join(t[i], NULL);
    total += jobs[i].ok;
  }
  CHECK(total == 40);
  pthread_sigmask(SIG_BLOCK, NULL, &mask);
  CHECK(!sigismember(&mask, SIGPIPE));
  struct sigaction after;
  sigaction(SIGPIPE, NULL, &after);
  CHECK(after.sa_handler == SIG_DFL);
}
