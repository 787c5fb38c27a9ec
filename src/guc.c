/*-------------------------------------------------------------------------
 *
 * guc.c
 *		Definition and validation of numa_pg's configuration parameters.
 *
 * Lists of CPUs and nodes are parsed by nodemask.c and then checked
 * against this machine: an id that parses but does not exist, or that
 * this server's cpuset does not allow, is refused here, at the time the
 * value is set, with a detail saying what exists.  A bad value in
 * postgresql.conf thus stops the server at start with a clear FATAL, and
 * ALTER SYSTEM refuses it before it reaches the file.
 *
 * IDENTIFICATION
 *	  src/guc.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <limits.h>

#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/guc_tables.h"
#include "utils/varlena.h"

#include "allocator.h"
#include "compat.h"
#include "errbuf.h"
#include "guc.h"
#include "live_topology.h"
#include "placement_rules.h"
#include "policy_spec.h"
#include "shmem.h"
#include "topology.h"
#include "worker_plan.h"

/*---- GUC variables ----*/

bool		numapg_enabled = true;
char	   *numapg_worker_cpus = NULL;
int			numapg_workers = 0;
int			numapg_state_store_size_kb = 8192;
int			numapg_wal_staging_size_kb = 1024;
int			numapg_queue_size_kb = 64;
bool		numapg_strict = false;
char	   *numapg_database = NULL;
int			numapg_pool_size_kb = 0;
int			numapg_interleaved_pool_size_kb = 0;
char	   *numapg_shared_memory_policy = NULL;
bool		numapg_prefault_segment = false;
int			numapg_request_timeout_ms = 10000;
bool		numapg_direct_reads = true;
bool		numapg_direct_writes = true;
int			numapg_wal_flush_delay_ms = 200;
char	   *numapg_backend_placement = NULL;

/* numa_pg.backend_placement parsed, set by its assign hook */
const NumaPgPlacementRules *numapg_backend_placement_rules = NULL;

/*
 * Length of the character at s in the database encoding, for the pure
 * modules, which quote the values they refuse by whole characters
 * (errbuf.h).  The postmaster has no database encoding (SQL_ASCII) when it
 * reads postgresql.conf: there, the pure modules' own rule, UTF-8 where
 * the bytes are valid UTF-8 and bytes otherwise, is the best reading.
 */
static size_t
database_char_length(const char *s, size_t avail)
{
	int			encoding = GetDatabaseEncoding();
	int			len;

	if (encoding == PG_SQL_ASCII)
		return numapg_utf8_char_length(s, avail);
	len = pg_encoding_verifymbchar(encoding, s, (int) Min(avail, (size_t) INT_MAX));
	return len > 0 ? (size_t) len : 1;
}

/*
 * Parse a CPU or node list and check every id against this machine:
 * CPUs must be online and allowed by this server's cpuset and affinity,
 * nodes must be online.  On failure, sets the GUC error detail and
 * returns false.  For use inside check hooks.
 */
bool
numapg_check_list_on_machine(const char *value, NumaPgListKind kind,
							 NumaPgMask *out)
{
	char		err[256];
	NumaPgTopology *topo;
	NumaPgMask	exists;
	char		have[1024];
	int			missing = -1;
	bool		valid = true;

	if (!numapg_parse_list(value, kind, out, err, sizeof(err)))
	{
		GUC_check_errdetail("%s.", err);
		return false;
	}

	/* check hooks must not throw: read the topology without ereport */
	topo = palloc(sizeof(NumaPgTopology));
	if (!numapg_topology_read_live(topo, err, sizeof(err)))
	{
		GUC_check_errdetail("Could not read the NUMA topology to check the list: %s.",
							err);
		pfree(topo);
		return false;
	}

	if (kind == NUMAPG_LIST_CPUS)
	{
		if (!numapg_mask_is_subset(out, &topo->cpus_online, &missing))
		{
			numapg_format_list(&topo->cpus_online, have, sizeof(have));
			GUC_check_errdetail("CPU %d does not exist; the online CPUs are %s.",
								missing, have);
			valid = false;
		}
		else if (!numapg_mask_is_subset(out, &topo->cpus_allowed, &missing))
		{
			numapg_format_list(&topo->cpus_allowed, have, sizeof(have));
			GUC_check_errdetail("CPU %d is not in the CPUs this server may use (%s), as set by its cpuset or affinity.",
								missing, have);
			valid = false;
		}
	}
	else
	{
		numapg_mask_clear(&exists);
		for (int i = 0; i < topo->node_count; i++)
			numapg_mask_set(&exists, topo->nodes[i].id);
		if (!numapg_mask_is_subset(out, &exists, &missing))
		{
			numapg_format_list(&exists, have, sizeof(have));
			GUC_check_errdetail("NUMA node %d does not exist; the online nodes are %s.",
								missing, have);
			valid = false;
		}
	}
	pfree(topo);
	return valid;
}

/*
 * May a check hook compare a value from "source" with another numa_pg
 * parameter's?  At server start (while shared_preload_libraries load) the others hold
 * their configured values; in a backend (ALTER SYSTEM) value_at_next_start()
 * reads them from the configuration files.  Not when the postmaster
 * re-reads postgresql.conf: these parameters cannot change then, and two
 * values changed together would each be compared with the other's old one.
 */
static bool
cross_checks_apply(GucSource source)
{
	/* a default is checked before the parameters it depends on are known */
	if (source == PGC_S_DEFAULT)
		return false;
	return process_shared_preload_libraries_in_progress || IsUnderPostmaster;
}

/* The variable of a parameter, placeholders included; NULL if none. */
static struct config_generic *
find_guc(const char *name)
{
	int			n;
	struct config_generic **vars = NumaPgGetGucVariables(&n);

	for (int i = 0; i < n; i++)
		if (vars[i] != NULL && pg_strcasecmp(vars[i]->name, name) == 0)
			return vars[i];
	return NULL;
}

/* The value of a parameter in effect (or of its placeholder); NULL if none. */
static char *
current_value(const char *name)
{
	const char *value = GetConfigOption(name, true, false);

	return value ? pstrdup(value) : NULL;
}

/*
 * The value numa_pg parameter "name" will have at the next server start, as
 * far as it is known here; NULL for its default.  At server start, and for
 * a value given on the command line, the value in effect; otherwise the
 * last setting in postgresql.conf (with its includes) and
 * postgresql.auto.conf, read as the postmaster will read them, which holds
 * what ALTER SYSTEM set before.  If the files cannot be read, the value in
 * effect.
 */
static char *
value_at_next_start(const char *name)
{
	struct config_generic *var = find_guc(name);
	ConfigVariable *head = NULL;
	ConfigVariable *tail = NULL;
	char	   *value = NULL;

	if (process_shared_preload_libraries_in_progress ||
		(var != NULL && var->source > PGC_S_FILE))
		return current_value(name);
	if (!ParseConfigFile(ConfigFileName, true, NULL, 0, 0, DEBUG2, &head, &tail) ||
		!ParseConfigFile(PG_AUTOCONF_FILENAME, false, NULL, 0, 0, DEBUG2, &head, &tail))
	{
		FreeConfigVariables(head);
		return current_value(name);
	}
	for (ConfigVariable *item = head; item != NULL; item = item->next)
		if (pg_strcasecmp(item->name, name) == 0)
			value = item->value;
	value = value ? pstrdup(value) : NULL;
	FreeConfigVariables(head);
	return value;
}

/*
 * Can "workers" workers be pinned, one per CPU, to "cpus" (numa_pg.worker_cpus:
 * NULL or "auto", or a list) on this machine?  worker_plan.c decides, as at
 * server start.  On failure, sets the GUC error detail and hint and returns
 * false.  For use inside check hooks.
 */
static bool
check_pool_fits(int workers, const char *cpus)
{
	NumaPgTopology *topo;
	NumaPgWorkerPlace *places;
	NumaPgMask	mask;
	bool		explicit_cpus = cpus != NULL && pg_strcasecmp(cpus, "auto") != 0;
	char		err[256];
	bool		fits;

	if (workers <= 0)
		return true;
	if (explicit_cpus && !numapg_parse_list(cpus, NUMAPG_LIST_CPUS, &mask,
											err, sizeof(err)))
		return true;			/* numa_pg.worker_cpus' own check refuses it */
	topo = palloc(sizeof(NumaPgTopology));
	places = palloc(sizeof(NumaPgWorkerPlace) * NUMAPG_MAX_WORKERS);
	if (!numapg_topology_read_live(topo, err, sizeof(err)))
	{
		GUC_check_errdetail("Could not read the NUMA topology to check the workers: %s.",
							err);
		fits = false;
	}
	else if (!(fits = numapg_plan_workers(topo, workers,
										  explicit_cpus ? &mask : NULL,
										  places, err, sizeof(err))))
	{
		GUC_check_errdetail("%s.", err);
		GUC_check_errhint("Lower numa_pg.workers, or give numa_pg.worker_cpus more CPUs (one per worker).");
	}
	pfree(places);
	pfree(topo);
	return fits;
}

/* numa_pg.enabled at the next server start (see value_at_next_start()). */
static bool
enabled_at_next_start(void)
{
	char	   *value = value_at_next_start("numa_pg.enabled");
	bool		enabled = true;

	if (value != NULL)
		(void) parse_bool(value, &enabled);
	return enabled;
}

/*
 * Check hook of numa_pg.worker_cpus: "auto" or a list of usable CPUs, with
 * a CPU for each worker of numa_pg.workers.
 */
static bool
check_worker_cpus(char **newval, void **extra, GucSource source)
{
	NumaPgMask *mask;
	char	   *workers;
	int			nworkers = 0;

	if (*newval != NULL && pg_strcasecmp(*newval, "auto") != 0)
	{
		mask = palloc(sizeof(NumaPgMask));
		if (!numapg_check_list_on_machine(*newval, NUMAPG_LIST_CPUS, mask))
		{
			GUC_check_errhint("Use \"auto\" or a list of CPUs such as \"0-3,8\".");
			pfree(mask);
			return false;
		}
		pfree(mask);
	}
	if (!cross_checks_apply(source) || !enabled_at_next_start())
		return true;
	workers = value_at_next_start("numa_pg.workers");
	if (workers != NULL)
		(void) parse_int(workers, &nworkers, 0, NULL);
	return check_pool_fits(nworkers, *newval);
}

/*
 * Check hook of numa_pg.workers: one CPU for each, among those of
 * numa_pg.worker_cpus that this server may use.
 */
static bool
check_workers(int *newval, void **extra, GucSource source)
{
	if (!cross_checks_apply(source) || !enabled_at_next_start())
		return true;
	return check_pool_fits(*newval, value_at_next_start("numa_pg.worker_cpus"));
}

/* smallest allocator pool, in kB: an arena's header and a few pages */
#define NUMAPG_MIN_POOL_KB	64

/*
 * Check hook of numa_pg.pool_size and numa_pg.interleaved_pool_size: 0
 * (no pool) or at least NUMAPG_MIN_POOL_KB.  A range cannot say "0 or at
 * least", and a smaller pool could not hold the arena's own header.
 */
static bool
check_pool_size(int *newval, void **extra, GucSource source)
{
	if (*newval == 0 || *newval >= NUMAPG_MIN_POOL_KB)
		return true;
	GUC_check_errdetail("A pool of %d kB is too small: a pool needs at least %d kB, for its allocator's header and pages.",
						*newval, NUMAPG_MIN_POOL_KB);
	GUC_check_errhint("Use 0 for no pool, or %d kB or more.", NUMAPG_MIN_POOL_KB);
	return false;
}

/* every parameter numa_pg defines, for the start-up validation below */
static const char *const numapg_guc_names[] = {
	"numa_pg.enabled",
	"numa_pg.worker_cpus",
	"numa_pg.workers",
	"numa_pg.state_store_size",
	"numa_pg.wal_staging_size",
	"numa_pg.queue_size",
	"numa_pg.strict",
	"numa_pg.database",
	"numa_pg.wal_flush_delay",
	"numa_pg.request_timeout",
	"numa_pg.direct_reads",
	"numa_pg.direct_writes",
	"numa_pg.pool_size",
	"numa_pg.interleaved_pool_size",
	"numa_pg.shared_memory_policy",
	"numa_pg.prefault",
	"numa_pg.backend_placement",
};

static const char memory_nodes_hint[] =
"Name nodes with memory that this server may use: numa_topology() lists them, with has_memory and memory_allowed true.";

/*
 * Check hook of numa_pg.shared_memory_policy: the syntax, and that each
 * listed node exists and has memory this server may use.
 */
static bool
check_shared_memory_policy(char **newval, void **extra, GucSource source)
{
	NumaPgPolicySpec spec;
	NumaPgTopology *topo;
	char		err[256];
	bool		valid = true;

	if (!numapg_parse_policy_spec(*newval, &spec, err, sizeof(err)))
	{
		GUC_check_errdetail("%s.", err);
		GUC_check_errhint("Use default, interleave, interleave:<nodes>, bind:<nodes> or preferred:<node>, with nodes written as numactl does, such as \"0-1,3\".");
		return false;
	}
	if (spec.kind == NUMAPG_SPEC_DEFAULT || spec.all_nodes)
		return true;

	topo = palloc(sizeof(NumaPgTopology));
	if (!numapg_topology_read_live(topo, err, sizeof(err)))
	{
		GUC_check_errdetail("Could not read the NUMA topology to check the nodes: %s.", err);
		GUC_check_errhint("Use default or interleave, which name no node.");
		pfree(topo);
		return false;
	}
	for (int node = numapg_mask_next(&spec.nodes, -1); node >= 0 && valid;
		 node = numapg_mask_next(&spec.nodes, node))
	{
		int			i = numapg_topology_index_of_node(topo, node);

		if (i < 0)
		{
			GUC_check_errdetail("NUMA node %d does not exist.", node);
			GUC_check_errhint("%s", memory_nodes_hint);
			valid = false;
		}
		else if (!topo->nodes[i].has_memory)
		{
			GUC_check_errdetail("NUMA node %d has no memory this server may use.", node);
			GUC_check_errhint("%s", memory_nodes_hint);
			valid = false;
		}
		else if (!numapg_mask_test(&topo->mems_allowed, node))
		{
			char		allowed[384];

			numapg_describe_mems_restriction(topo, allowed, sizeof(allowed));
			GUC_check_errdetail("NUMA node %d is not one this server may allocate on; it may allocate on nodes %s.",
								node, allowed);
			GUC_check_errhint("%s", memory_nodes_hint);
			valid = false;
		}
	}
	pfree(topo);
	return valid;
}

/*
 * Check hook of numa_pg.backend_placement: the syntax, and that every node
 * a rule names exists and has CPUs this server may run on (and memory, its
 * own or the nearest node's).  The parsed rules are the extra.
 */
static bool
check_backend_placement(char **newval, void **extra, GucSource source)
{
	NumaPgPlacementRules *rules;
	NumaPgTopology *topo = NULL;
	char		err[256];
	bool		valid = true;

	rules = numapg_guc_extra_alloc(sizeof(NumaPgPlacementRules));
	if (rules == NULL)
	{
		GUC_check_errcode(ERRCODE_OUT_OF_MEMORY);
		GUC_check_errmsg("out of memory");
		return false;
	}
	if (!numapg_parse_placement_rules(*newval, rules, err, sizeof(err)))
	{
		GUC_check_errdetail("%s.", err);
		GUC_check_errhint("Use off, spread, or rules <database>[/<role>]:<node, spread or off> separated by commas, such as \"sales:0, reports:1, *:spread\"; the first rule that matches wins.");
		numapg_guc_extra_free(rules);
		return false;
	}
	for (int r = 0; r < rules->nrules && valid; r++)
	{
		const NumaPgPlacementRule *rule = &rules->rules[r];
		NumaPgMask	cpus;
		int			i;

		if (rule->target != NUMAPG_PLACE_NODE)
			continue;
		if (topo == NULL)
		{
			topo = palloc(sizeof(NumaPgTopology));
			if (!numapg_topology_read_live(topo, err, sizeof(err)))
			{
				GUC_check_errdetail("Could not read the NUMA topology to check the nodes: %s.", err);
				GUC_check_errhint("Use off or spread, which name no node.");
				valid = false;
				break;
			}
		}
		i = numapg_topology_index_of_node(topo, rule->node);
		if (i < 0)
		{
			GUC_check_errdetail("Rule %d names NUMA node %d, which does not exist.", r + 1, rule->node);
			valid = false;
			break;
		}
		numapg_mask_and(&cpus, &topo->nodes[i].cpus, &topo->cpus_allowed);
		if (numapg_mask_count(&cpus) == 0)
		{
			GUC_check_errdetail("Rule %d names NUMA node %d, which has no CPU this server may run on.",
								r + 1, rule->node);
			valid = false;
		}
		else if (numapg_nearest_memory_node(topo, rule->node) < 0)
		{
			GUC_check_errdetail("Rule %d names NUMA node %d, but no node has memory this server may use.",
								r + 1, rule->node);
			valid = false;
		}
	}
	if (!valid && topo != NULL)
	{
		StringInfoData nodes;

		initStringInfo(&nodes);
		for (int i = 0; i < topo->node_count; i++)
		{
			NumaPgMask	cpus;

			numapg_mask_and(&cpus, &topo->nodes[i].cpus, &topo->cpus_allowed);
			if (numapg_mask_count(&cpus) > 0)
				appendStringInfo(&nodes, "%s%d", nodes.len ? ", " : "", topo->nodes[i].id);
		}
		GUC_check_errhint("Name a node with CPUs this server may run on (%s), or use spread.",
						  nodes.len ? nodes.data : "none");
	}
	if (topo != NULL)
		pfree(topo);
	if (!valid)
	{
		numapg_guc_extra_free(rules);
		return false;
	}
	*extra = rules;
	return true;
}

/* Assign hook of numa_pg.backend_placement: the rules its check parsed. */
static void
assign_backend_placement(const char *newval, void *extra)
{
	numapg_backend_placement_rules = extra;
}

static emit_log_hook_type prev_emit_log_hook = NULL;

static void define_gucs(void);

/*
 * emit_log_hook while numapg_define_gucs() defines the parameters: drops
 * PostgreSQL's WARNING about a bad value in a placeholder, which is raised
 * again, as a FATAL, right after (see numapg_define_gucs()).
 */
static void
drop_placeholder_warning(ErrorData *edata)
{
	if (edata->elevel == WARNING &&
		edata->sqlerrcode == ERRCODE_INVALID_PARAMETER_VALUE)
	{
		edata->output_to_server = false;
		edata->output_to_client = false;
		return;
	}
	if (prev_emit_log_hook)
		prev_emit_log_hook(edata);
}

/*
 * Stop the server if postgresql.conf or the command line sets a numa_pg.*
 * parameter that does not exist: a misspelt name would otherwise be dropped
 * with a WARNING (MarkGUCPrefixReserved) and its setting lost, e.g. no
 * workers at all for numa_pg.worker.  The hint names the nearest real
 * parameter, or lists them all when none is near.  Postmaster, once every
 * parameter is defined, so that what is left as a placeholder is unknown.
 */
static void
refuse_unknown_parameters(void)
{
	int			n;
	struct config_generic **vars = NumaPgGetGucVariables(&n);

	for (int i = 0; i < n; i++)
	{
		struct config_generic *var = vars[i];
		const char *nearest = NULL;
		int			best = INT_MAX;
		int			len;
		StringInfoData all;

		if (var == NULL || (var->flags & GUC_CUSTOM_PLACEHOLDER) == 0 ||
			pg_strncasecmp(var->name, "numa_pg.", 8) != 0)
			continue;

		len = strlen(var->name);
		initStringInfo(&all);
		for (size_t j = 0; j < lengthof(numapg_guc_names); j++)
		{
			int			d = varstr_levenshtein(var->name, len, numapg_guc_names[j],
											   strlen(numapg_guc_names[j]),
											   1, 1, 1, false);

			if (d < best)
			{
				best = d;
				nearest = numapg_guc_names[j];
			}
			appendStringInfo(&all, "%s%s", j > 0 ? ", " : "", numapg_guc_names[j]);
		}
		/* near: at most half of what follows "numa_pg." is to change */
		if (best > Max(1, (len - 8) / 2))
			nearest = NULL;

		ereport(FATAL,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("unrecognized configuration parameter \"%s\"", var->name),
				 var->sourcefile ?
				 errdetail("It is set in file \"%s\" line %d, but numa_pg has no such parameter.",
						   var->sourcefile, var->sourceline) :
				 errdetail("It is set on the server's command line, but numa_pg has no such parameter."),
				 nearest ?
				 errhint("Perhaps you meant \"%s\".", nearest) :
				 errhint("numa_pg's parameters are %s.", all.data)));
	}
}

/*
 * Define every numa_pg.* parameter.  Called from _PG_init only when the
 * library is preloaded: all of them take effect at server start.
 *
 * PostgreSQL reads postgresql.conf before it loads us, and keeps our
 * settings as placeholders.  When we define a parameter whose placeholder
 * holds a bad value, PostgreSQL only logs a WARNING and starts with the
 * default: a typo in numa_pg.worker_cpus would silently pin workers
 * elsewhere.  So we keep the placeholders' values and, once everything is
 * defined, validate each again at FATAL level: a bad value stops the
 * server with the parameter's own message, detail and hint, as a bad
 * value of a built-in parameter does.  Each value PostgreSQL's WARNING is
 * about is thus sure to be refused again, with the same words, at FATAL:
 * the WARNING (errcode invalid_parameter_value, raised while the
 * parameters are being defined) is dropped, so the log says it once.
 */
void
numapg_define_gucs(void)
{
	const char *configured[lengthof(numapg_guc_names)];

	/* before any value is checked: refused values are quoted in messages */
	numapg_set_char_length(database_char_length);

	for (size_t i = 0; i < lengthof(numapg_guc_names); i++)
	{
		const char *value = GetConfigOption(numapg_guc_names[i], true, false);

		configured[i] = value ? pstrdup(value) : NULL;
	}

	prev_emit_log_hook = emit_log_hook;
	emit_log_hook = drop_placeholder_warning;
	PG_TRY();
	{
		define_gucs();
	}
	PG_FINALLY();
	{
		emit_log_hook = prev_emit_log_hook;
	}
	PG_END_TRY();

	refuse_unknown_parameters();
	MarkGUCPrefixReserved("numa_pg");

	for (size_t i = 0; i < lengthof(numapg_guc_names); i++)
		if (configured[i] != NULL)
			(void) set_config_option(numapg_guc_names[i], configured[i],
									 PGC_POSTMASTER, PGC_S_FILE,
									 GUC_ACTION_SET, false, FATAL, false);
}

/* The definitions, for numapg_define_gucs(). */
static void
define_gucs(void)
{
	DefineCustomBoolVariable("numa_pg.enabled",
							 "Enables NUMA placement by numa_pg.",
							 "When off, numa_pg only reports the topology: it places no memory.",
							 &numapg_enabled,
							 true,
							 PGC_POSTMASTER,
							 0,
							 NULL, NULL, NULL);

	DefineCustomStringVariable("numa_pg.worker_cpus",
							   "Sets the CPUs numa_pg's workers are pinned to.",
							   "\"auto\" spreads the workers round-robin over the nodes, "
							   "on the CPUs this server may use; otherwise a list such as \"0-3,8\".",
							   &numapg_worker_cpus,
							   "auto",
							   PGC_POSTMASTER,
							   0,
							   check_worker_cpus, NULL, NULL);

	DefineCustomIntVariable("numa_pg.workers",
							"Sets the number of numa_pg workers, each pinned to one CPU.",
							"0 runs no worker.",
							&numapg_workers,
							0, 0, NUMAPG_MAX_WORKERS,
							PGC_POSTMASTER,
							0,
							check_workers, NULL, NULL);

	DefineCustomIntVariable("numa_pg.state_store_size",
							"Sets the size of each worker's state store, on the worker's NUMA node.",
							NULL,
							&numapg_state_store_size_kb,
							8192, 64, 16 * 1024 * 1024,
							PGC_POSTMASTER,
							GUC_UNIT_KB,
							NULL, NULL, NULL);

	DefineCustomIntVariable("numa_pg.wal_staging_size",
							"Sets the size of each worker's WAL staging buffer, on the worker's NUMA node.",
							NULL,
							&numapg_wal_staging_size_kb,
							1024, 64, 1024 * 1024,
							PGC_POSTMASTER,
							GUC_UNIT_KB,
							NULL, NULL, NULL);

	DefineCustomIntVariable("numa_pg.queue_size",
							"Sets the size of each inbox queue of a worker (one per NUMA node its producers run on).",
							NULL,
							&numapg_queue_size_kb,
							64, 8, 64 * 1024,
							PGC_POSTMASTER,
							GUC_UNIT_KB,
							NULL, NULL, NULL);

	DefineCustomBoolVariable("numa_pg.strict",
							 "Binds numa_pg's memory to its NUMA node strictly.",
							 "When off, memory is preferred on its node and falls back to "
							 "other nodes if that one is full; when on, it must be on its "
							 "node and the server does not start if the node is short of memory.",
							 &numapg_strict,
							 false,
							 PGC_POSTMASTER,
							 0,
							 NULL, NULL, NULL);

	DefineCustomStringVariable("numa_pg.database",
							   "Sets the database numa_pg's workers connect to.",
							   "Their WAL messages carry this database's OID: logical decoding "
							   "sees them through a replication slot of this database.",
							   &numapg_database,
							   "postgres",
							   PGC_POSTMASTER,
							   0,
							   NULL, NULL, NULL);

	DefineCustomIntVariable("numa_pg.wal_flush_delay",
							"Sets how long a worker keeps changes staged before writing them to WAL.",
							"A worker also writes them when its staging buffer is half full, "
							"and on numa_state_flush().",
							&numapg_wal_flush_delay_ms,
							200, 1, 60000,
							PGC_SIGHUP,
							GUC_UNIT_MS,
							NULL, NULL, NULL);

	DefineCustomIntVariable("numa_pg.request_timeout",
							"Sets how long a backend waits for a numa_pg worker to answer.",
							NULL,
							&numapg_request_timeout_ms,
							10000, 1, 3600000,
							PGC_USERSET,
							GUC_UNIT_MS,
							NULL, NULL, NULL);

	DefineCustomBoolVariable("numa_pg.direct_reads",
							 "Lets numa_state_get() read the owning worker's state store directly.",
							 "When on, a get reads the store without a lock, and takes the "
							 "store's lock only if writers kept changing it while it read; "
							 "when off, every get is a request answered by the worker.",
							 &numapg_direct_reads,
							 true,
							 PGC_USERSET,
							 0,
							 NULL, NULL, NULL);

	DefineCustomBoolVariable("numa_pg.direct_writes",
							 "Lets numa_state_put() and numa_state_delete() change the owning worker's state store directly.",
							 "When on, the calling backend makes the change itself, under the "
							 "store's lock, and stages its WAL record in the owner's buffer; "
							 "when off, every put and delete is a request carried out and "
							 "answered by the worker.",
							 &numapg_direct_writes,
							 true,
							 PGC_USERSET,
							 0,
							 NULL, NULL, NULL);

	DefineCustomIntVariable("numa_pg.pool_size",
							"Sets the size of the NUMA allocator's pool on each NUMA node.",
							"0 creates no per-node pool; otherwise at least 64 kB.",
							&numapg_pool_size_kb,
							0, 0, 64 * 1024 * 1024,
							PGC_POSTMASTER,
							GUC_UNIT_KB,
							check_pool_size, NULL, NULL);

	DefineCustomIntVariable("numa_pg.interleaved_pool_size",
							"Sets the size of the NUMA allocator's pool interleaved over the NUMA nodes.",
							"0 creates no interleaved pool; otherwise at least 64 kB.",
							&numapg_interleaved_pool_size_kb,
							0, 0, 64 * 1024 * 1024,
							PGC_POSTMASTER,
							GUC_UNIT_KB,
							check_pool_size, NULL, NULL);

	DefineCustomStringVariable("numa_pg.shared_memory_policy",
							   "Sets the NUMA policy of PostgreSQL's own shared memory.",
							   "default, interleave, interleave:<nodes>, bind:<nodes> or preferred:<node>; "
							   "applied at server start, moving pages already touched. numa_pg's own "
							   "regions keep their placement.",
							   &numapg_shared_memory_policy,
							   "default",
							   PGC_POSTMASTER,
							   0,
							   check_shared_memory_policy, NULL, NULL);

	DefineCustomStringVariable("numa_pg.backend_placement",
							   "Places new client backends on NUMA nodes.",
							   "off, spread (each to the node with the fewest backends placed), or rules "
							   "<database>[/<role>]:<node, spread or off> separated by commas; the first "
							   "rule that matches wins. A placed backend runs on its node's CPUs and "
							   "prefers its memory (binds it under numa_pg.strict).",
							   &numapg_backend_placement,
							   "off",
							   PGC_SIGHUP,
							   0,
							   check_backend_placement, assign_backend_placement, NULL);

	DefineCustomBoolVariable("numa_pg.prefault",
							 "Faults in all of PostgreSQL's shared memory at server start.",
							 "In parallel, one process per NUMA node pinned to it; the time taken is logged.",
							 &numapg_prefault_segment,
							 false,
							 PGC_POSTMASTER,
							 0,
							 NULL, NULL, NULL);
}
