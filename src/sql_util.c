/*-------------------------------------------------------------------------
 *
 * sql_util.c
 *		Small conversions the SQL functions share.
 *
 * IDENTIFICATION
 *	  src/sql_util.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "utils/array.h"

#include "sql_util.h"

/* The members of a mask, ascending, as an int[] Datum. */
Datum
numapg_mask_to_int_array(const NumaPgMask *mask)
{
	int			n = numapg_mask_count(mask);
	Datum	   *elems = palloc(sizeof(Datum) * Max(n, 1));
	int			i = 0;

	for (int id = numapg_mask_next(mask, -1); id >= 0;
		 id = numapg_mask_next(mask, id))
		elems[i++] = Int32GetDatum(id);
	return PointerGetDatum(construct_array(elems, n, INT4OID, sizeof(int32),
										   true, TYPALIGN_INT));
}
