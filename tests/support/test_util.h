// The helpers of the replica-core tests, in one include: Status checks (status.h), seeds and the random
// source (seeds.h), temporary directories and files (files.h), replicas and exchanges between them
// (ledger.h), hand-made ops (ops.h) and the random workload (workload.h). Tests of the programs and the
// hubs include process.h, hub_harness.h, sms_gateway.h and http_client.h as they need them.
#pragma once

#include "support/files.h"
#include "support/ledger.h"
#include "support/ops.h"
#include "support/seeds.h"
#include "support/status.h"
#include "support/workload.h"
