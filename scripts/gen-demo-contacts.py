#!/usr/bin/env python3
"""Writes resources/demo-contacts.csv: invented people and companies for the demo.

Numbers come from ranges regulators keep for fiction (Ofcom's 0161 496 0xxx and 020 7946 0xxx,
ARCEP's 01 99 00 xx xx ..., NANP 555-01xx), so no real subscriber is ever dialled.
Deterministic: the same file every run.
"""
import csv, random, sys, unicodedata

rnd = random.Random(7)
first = ["Camille", "Léa", "Hugo", "Louis", "Chloé", "Manon", "Jules", "Inès", "Lucas", "Zoé",
         "Étienne", "Gaëlle", "Noémie", "François", "Amélie", "Oliver", "Amelia", "George",
         "Isla", "Harry", "Ava", "Jack", "Freya", "Emily", "Thomas", "Sophie", "James", "Grace",
         "Olivia", "Noah", "Liam", "Emma", "Mason", "Mia", "Ethan", "Harper", "Lena", "Jonas"]
last = ["Martin", "Bernard", "Dubois", "Lefèvre", "Moreau", "Girard", "Fontaine", "Rousseau",
        "Mercier", "Blanchard", "Guérin", "Chevalier", "Smith", "Jones", "Taylor", "Brown",
        "Wilson", "Evans", "Thomas", "Roberts", "Walker", "Wright", "Johnson", "Miller", "Davis",
        "Garcia", "Clark", "Lewis", "Schneider", "Fischer", "Weber", "Wagner"]
companies = [
    # name, country, switchboard, range
    ("Atelier Lumière", "FR", "+33 1 99 00 10 00", ""),
    ("Boulangeries Réunies", "FR", "+33 1 99 00 11 00", "+33 1 99 00 11"),
    ("Cabinet Fontaine & Associés", "FR", "+33 1 99 00 12 00", ""),
    ("Transports Garonne", "FR", "+33 5 36 49 20 00", ""),
    ("Mutuelle du Rhône", "FR", "+33 4 65 71 30 00", "+33 4 65 71 30"),
    ("Librairie des Quais", "FR", "+33 2 61 91 40 00", ""),
    ("Brasserie Nord-Est", "FR", "+33 3 53 01 50 00", ""),
    ("Pennine Logistics", "GB", "+44 161 496 0000", "+44 161 496 00"),
    ("Thames Insurance", "GB", "+44 20 7946 0000", ""),
    ("Mersey Energy", "GB", "+44 161 496 0500", ""),
    ("Highland Outfitters", "GB", "+44 20 7946 0500", "+44 20 7946 05"),
    ("Hudson Analytics", "US", "+1 212 555 0100", ""),
    ("Lakeside Medical", "US", "+1 312 555 0100", ""),
    ("Golden Gate Travel", "US", "+1 415 555 0100", ""),
]
fr_blocks = ["1 99 00", "2 61 91", "3 53 01", "4 65 71", "5 36 49"]
used = set()

def ascii(name):
    return unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()

def unique(make):
    while True:
        n = make()
        if n not in used:
            used.add(n)
            return n

def fr_number():
    return unique(lambda: "0%s %02d %02d" % (rnd.choice(fr_blocks), rnd.randrange(60, 100), rnd.randrange(100)))

def gb_number():
    return unique(lambda: rnd.choice(["+44 161 496 0%03d", "+44 20 7946 0%03d"]) % rnd.randrange(100, 500))

def us_number():
    return unique(lambda: "+1 (%s) 555-01%02d" % (rnd.choice(["212", "312", "415", "617"]), rnd.randrange(10, 100)))

make = {"FR": fr_number, "GB": gb_number, "US": us_number}
notes_pool = ["Prefers calls in the morning.", "Rappeler au 06 12 34 56 78 si absent.",
              "Key account; escalate to 2010.", "Parle anglais et français.",
              "Invoice questions go to the switchboard.", ""]
rows = []
for i in range(320):
    company = rnd.choice(companies + [(None, rnd.choice(["FR", "GB", "US"]), "", "")] * 4)
    name, country = company[0], company[1]
    g, f = rnd.choice(first), rnd.choice(last)
    work = make[country]()
    mobile = make[country]() if rnd.random() < 0.4 else ""
    rows.append({"first name": g, "last name": f, "company": name or "", "work": work,
                 "mobile": mobile, "switchboard": company[2], "range": company[3],
                 "email": "%s.%s@example.%s" % (ascii(g), ascii(f), {"FR": "fr", "GB": "co.uk", "US": "com"}[country]),
                 "notes": rnd.choice(notes_pool)})
# Colleagues on 4-digit extensions.
for ext in range(2001, 2025):
    rows.append({"first name": rnd.choice(first), "last name": rnd.choice(last),
                 "company": "Switchboard Contact Centre", "work": str(ext), "mobile": "",
                 "switchboard": "", "range": "", "email": "", "notes": "Colleague"})
# Two people who share one number (several exact matches).
shared = "+33 1 99 00 99 99"
for g, f in [("Claire", "Duval"), ("Marc", "Duval")]:
    rows.append({"first name": g, "last name": f, "company": "", "work": shared, "mobile": "",
                 "switchboard": "", "range": "", "email": "", "notes": "Household line"})
out = csv.DictWriter(sys.stdout, fieldnames=list(rows[0].keys()), lineterminator="\n")
out.writeheader()
out.writerows(rows)
