#include "lib/country.h"

#include <string.h>

static const char iso[] =
    "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO "
    "BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ "
    "DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP "
    "GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG "
    "KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML "
    "MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE "
    "PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL "
    "SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM "
    "US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW";
static const char eu[] = "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL "
                         "PT RO SE SI SK";
static const char eea_extra[] = "IS LI NO";

static bool in_list(const char *list, const char *code)
{
    if (strlen(code) != 2)
        return false;
    for (const char *p = list; *p; p += p[2] ? 3 : 2) {
        if (p[0] == code[0] && p[1] == code[1])
            return true;
    }
    return false;
}

bool wsl_country_known(const char *code) { return in_list(iso, code); }
bool wsl_country_eu(const char *code) { return in_list(eu, code); }
bool wsl_country_eea(const char *code) { return in_list(eu, code) || in_list(eea_extra, code); }

bool wsl_country_in(const char *code, const char *area)
{
    if (strcmp(area, "EU") == 0)
        return wsl_country_eu(code);
    if (strcmp(area, "EEA") == 0)
        return wsl_country_eea(code);
    return strcmp(code, area) == 0;
}
