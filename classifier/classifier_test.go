package classifier

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	escucha "github.com/escucha/escucha"
	"github.com/escucha/escucha/config"
)

func newC(t testing.TB, opts Options) *Classifier {
	t.Helper()
	c, err := New(opts)
	require.NoError(t, err)
	return c
}

// requireLabels checks that each text gets label want (language detected).
func requireLabels(t *testing.T, c *Classifier, want escucha.Label, texts ...string) {
	t.Helper()
	for _, text := range texts {
		v := c.Classify(text, "")
		require.Equal(t, want, v.Label, "%q %v", text, v.RuleIDs())
	}
}

// requireComplaints classifies each text and requires a complaint of the
// given severity.
func requireComplaints(t *testing.T, c *Classifier, want escucha.Severity, texts ...string) {
	t.Helper()
	for _, text := range texts {
		v := c.Classify(text, "")
		require.Equal(t, escucha.LabelComplaint, v.Label, "%q %v", text, v.RuleIDs())
		require.Equal(t, want, v.Severity, "%q %v", text, v.RuleIDs())
	}
}

// rulesFile writes a company rules file in a temporary directory and
// returns its path.
func rulesFile(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "rules.yaml")
	require.NoError(t, os.WriteFile(path, []byte(body), 0o600))
	return path
}

func hasRule(v escucha.Verdict, prefix string) bool {
	for _, r := range v.Rules {
		if strings.HasPrefix(r.ID, prefix) {
			return true
		}
	}
	return false
}

// requireRule checks, for each text (in language lang, "" to detect it),
// that one of the rules ids fired, or, with fired false, that none did.
func requireRule(t *testing.T, c *Classifier, lang string, fired bool, ids []string, texts ...string) {
	t.Helper()
	for _, text := range texts {
		v := c.Classify(text, lang)
		got := slices.ContainsFunc(ids, func(id string) bool { return hasRule(v, id) })
		require.Equal(t, fired, got, "%q: %v fired, want %v: %v", text, ids, fired, v.RuleIDs())
	}
}

func TestLabels(t *testing.T) {
	c := newC(t, Options{})
	cases := []struct {
		text  string
		label escucha.Label
	}{
		{"Llevo cinco días sin internet y nadie de soporte me contesta", escucha.LabelComplaint},
		{"Me cobraron dos veces la cuota del gimnasio este mes", escucha.LabelComplaint},
		{"Sería genial que la app tuviera modo oscuro", escucha.LabelSuggestion},
		{"Deberían abrir una tienda en el centro de Valencia", escucha.LabelSuggestion},
		{"¿Por qué no ponen cargadores en las salas de espera?", escucha.LabelSuggestion},
		{"¿A qué hora abre la tienda del centro los sábados?", escucha.LabelOther},
		{"Still waiting for my refund after 3 weeks, nobody answers the chat", escucha.LabelComplaint},
		{"Please add Apple Pay support to the app", escucha.LabelSuggestion},
		{"Would be nice if the shop opened on Sundays", escucha.LabelSuggestion},
		{"The new store in Soho looks amazing, great staff", escucha.LabelOther},
	}
	for _, tc := range cases {
		v := c.Classify(tc.text, "")
		require.Equal(t, tc.label, v.Label, "%q: %v", tc.text, v.RuleIDs())
	}
}

func TestNegationScope(t *testing.T) {
	c := newC(t, Options{})
	v := c.Classify("Dos años con ellos y no tengo ninguna queja", "es")
	require.Equal(t, escucha.LabelOther, v.Label, v.RuleIDs())
	v = c.Classify("Can't fault them, zero problems in two years", "en")
	require.Equal(t, escucha.LabelOther, v.Label, v.RuleIDs())
	v = c.Classify("El servicio es pésimo", "es")
	require.Equal(t, escucha.LabelComplaint, v.Label, v.RuleIDs())
	v = c.Classify("El servicio no es pésimo, es bueno", "es")
	require.NotEqual(t, escucha.LabelComplaint, v.Label, v.RuleIDs())
	require.True(t, hasRule(v, "es.signal.negation"), v.RuleIDs())
}

func TestSarcasm(t *testing.T) {
	c := newC(t, Options{})
	for _, s := range []string{
		"Genial, otra vez sin luz en la tienda y nadie avisa 🙃",
		"Love paying $40 a month for wifi that drops every evening 🙄",
		"Gracias por cambiarme el vuelo a las 5 de la mañana sin avisar 🙃",
	} {
		v := c.Classify(s, "")
		require.Equal(t, escucha.LabelComplaint, v.Label, "%q %v", s, v.RuleIDs())
		require.True(t, hasRule(v, "es.sarcasm") || hasRule(v, "en.sarcasm"), "%q %v", s, v.RuleIDs())
	}
	// Sincere praise stays praise.
	v := c.Classify("Gracias por la atención de ayer, un lujo", "es")
	require.Equal(t, escucha.LabelOther, v.Label, v.RuleIDs())
}

func TestContrast(t *testing.T) {
	c := newC(t, Options{})
	v := c.Classify("La tienda es bonita, pero el cajero me cobró de más y no me devuelven el dinero", "es")
	require.Equal(t, escucha.LabelComplaint, v.Label, v.RuleIDs())
	require.True(t, hasRule(v, "es.signal.contrast"), v.RuleIDs())
}

func TestShouldIIsNotASuggestion(t *testing.T) {
	c := newC(t, Options{})
	v := c.Classify("Should I buy the yearly plan or the monthly one?", "en")
	require.Equal(t, escucha.LabelOther, v.Label, v.RuleIDs())
	v = c.Classify("You should add a yearly plan", "en")
	require.Equal(t, escucha.LabelSuggestion, v.Label, v.RuleIDs())
}

// TestBrandNameReadsAsHandle: a one-word brand name matches <handle> in
// patterns as the brand's @handle does ("I wish Acme sent…", "why doesn't
// Acme do…", "bye Acme"); a competitor's name does not, so "switching to
// Rivalia" is still leaving the brand, not joining it.
func TestBrandNameReadsAsHandle(t *testing.T) {
	c := newC(t, Options{RulesFile: rulesFile(t, "competitors: [Rivalia]\n"), Brand: config.Brand{Name: "Acme", Handles: []string{"acme"}}})
	wishes := []string{"I wish Acme sent refill reminders by text", "I wish @acme sent refill reminders by text"}
	requireLabels(t, c, escucha.LabelSuggestion, wishes...)
	requireRule(t, c, "en", true, []string{"en.suggestion.wish"}, wishes...)
	requireLabels(t, c, escucha.LabelComplaint,
		"Third cancelled delivery this month. Bye Acme",
		"3 lost parcels in 2 months with Acme. switching to Rivalia")
	// The possessive ("Acme's") is the name too, and only whole names count.
	v := c.Classify("Great job Acme's crew, they cracked my driveway and left no note", "en")
	require.Equal(t, escucha.LabelComplaint, v.Label, v.RuleIDs())
	require.False(t, hasRule(newC(t, Options{}).Classify("I wish Acme sent refill reminders by text", "en"), "en.suggestion.wish"),
		"without a company file, Acme is just a word")
}

// TestBrandAsReliefOfABadDay: "lo único que me salvó el día fue…", "the
// only good thing today: my @brand order…" make the brand, named after
// it, the relief of a bad day; the grievance told before it is someone
// else's. "Lo único que funcionó fue el cobro de @acme" is irony about
// the brand and stays a complaint.
func TestBrandAsReliefOfABadDay(t *testing.T) {
	c := newC(t, Options{Brand: config.Brand{Name: "Acme", Handles: []string{"acme"}}})
	requireLabels(t, c, escucha.LabelOther,
		"Me cancelaron el vuelo y lo único que me salvó el día fue que @acme me devolvió el coche sin recargo",
		"Huelga de metro y dos horas andando. Lo único bueno del día: el café de Acme seguía abierto",
		"Otra vez el tren parado en Atocha 😤 lo único que salió bien hoy fue la entrega de @acme",
		"Trains cancelled all morning. The only good thing today: my @acme order turned up early")
	requireLabels(t, c, escucha.LabelComplaint,
		"Lo único que funcionó fue el cobro de @acme, lo demás un desastre",
		"Lo único que he recibido de @acme es una respuesta automática. Tres semanas esperando")
}

// TestCompetitorHandles: a competitor named in the company file is also
// known by the handle people write for it (@pontoferries,
// @ponto_ferries), so a grievance tagged to it is its own, and moving to
// it leaves the brand.
func TestCompetitorHandles(t *testing.T) {
	c := newC(t, Options{RulesFile: rulesFile(t, "competitors: [Ponto Ferries, Islaexpress]\n"), Brand: config.Brand{Name: "Acme", Handles: []string{"acme"}}})
	requireLabels(t, c, escucha.LabelOther,
		"@pontoferries charged me twice AGAIN. Never had that at @acme in 3 years",
		"@ponto_ferries cancelled my crossing again, luckily @acme had a seat at 7")
	requireLabels(t, c, escucha.LabelComplaint,
		"That's it. 11 years commuting with @acme and I'm moving to @pontoferries from Monday. Never again.",
		"Se acabó. 8 años con el bono de @acme y me paso a @islaexpress. Nunca más.")
	v := c.Classify("Se acabó. 8 años con el bono de @acme y me paso a @islaexpress. Nunca más.", "es")
	require.Equal(t, escucha.SeverityHigh, v.Severity, v.RuleIDs())
}

// TestMoneyNamedIsHigh: a complaint that names an amount and a charge, a
// payment or a refund anywhere in it is money lost (high), as the label
// rules say; the loss words alone, an amount alone, or "minor" are not.
func TestMoneyNamedIsHigh(t *testing.T) {
	c := newC(t, Options{})
	requireComplaints(t, c, escucha.SeverityHigh,
		"Got a $35 'late return fee' for a battery I dropped at the station at 8:02am. The receipt shows it. @acme reverse this please",
		"So the 'free reservation' on @acme costs €3 now?? Found it on my bank statement, nobody told me",
		"Me dijeron que el coche de sustitución iba incluido y ahora me facturan 180€ por 3 días. ¿¿Perdona?? @acme")
	v := c.Classify("@acme the app logged me out today and support took ages to answer", "")
	require.NotContains(t, v.RuleIDs(), "en.severity.r49_money_named") // "took" with no amount
	v = c.Classify("No es grave, pero la factura de @acme ahora es un PDF de 9 páginas para decirme que debo 38 €. Un poquito de síntesis", "")
	require.Equal(t, escucha.LabelComplaint, v.Label)
	require.Equal(t, escucha.SeverityLow, v.Severity, v.RuleIDs())
}

// TestCarsOnTheRoad: a car that fails while being driven is a safety
// risk (critical) in either language, also when thanked for ironically;
// cars left at the chargers are the brand's complaint, while the news that
// the rule about them changed is not; and charging a car is not charging
// money.
func TestCarsOnTheRoad(t *testing.T) {
	c := newC(t, Options{})
	requireComplaints(t, c, escucha.SeverityCritical,
		"@acme your car seizing up while driving caused me to spin out",
		"@acme my Focus stalled in the middle lane of the M25 with my kids in the back",
		"love it when my brand new @acme shuts down in the fast lane",
		"@acme headlights died at night on a country road",
		"@acme el coche se me caló en mitad de la rotonda con los niños dentro",
		"gracias @acme por el coche que se me paró en la autopista, casi me mato",
		"@acme el acelerador se quedó enganchado y no podía frenar, qué miedo",
		"@acme el autopilot giró hacia el quitamiedos, casi me da algo",
		"@acme lane assist keeps yanking the wheel on the motorway",
		"@acme el asistente de carril me tira del volante en la autopista")
	requireLabels(t, c, escucha.LabelComplaint,
		"thanks @acme for the engine dying at 70mph, really fun with the kids in the car",
		"thanks @acme for the car breaking down on the highway",
		"@acme superchargers full of cars just parked there, nobody moving them",
		"@acme got to the charger and 4 of 6 stalls had fully charged cars just sitting there",
		"@acme llego al cargador y 4 de 6 puestos con coches ya cargados aparcados ahí",
		"@acme paying a monthly subscription for heated seats that are already in my car",
		"@acme pagar una suscripción mensual por los asientos calefactables que ya tiene mi coche",
		"@acme charging at 7kW on a 150kW charger, 2 hours for 40%",
		"@acme door handles froze shut overnight, couldn't get in this morning",
		"@acme rattle from the dashboard since day one, three visits, still there",
		"@acme la batería al 78% con tres años",
		"@acme el navegador me mandó dos veces esta semana a una calle cortada")
	requireLabels(t, c, escucha.LabelOther,
		"@acme changed the rule on cars left parked at superchargers in 6 days after my tweet. That's how you listen to customers.",
		"@acme cambiaste en 6 días la norma de los coches aparcados en los cargadores. Así se hace.",
		"I nearly died laughing at the @acme ad",
		"@acme me tiene enganchada la velocidad nueva, es una locura")
	// Stranded with the car or locked out of it: high.
	requireComplaints(t, c, escucha.SeverityHigh,
		"@acme car won't go into drive after the update, can't get to work",
		"@acme the 12V battery died and now the car is a brick in the airport car park",
		"@acme roadside assistance says 4 hours, we're on the side of the A-7 in 38 degrees",
		"@acme se murió la batería de 12V y el coche no abre, estoy en el aeropuerto",
		"@acme asistencia en carretera dice 4 horas, estamos en el arcén de la A-7 a 38 grados")
	// Charging a car is not money charged.
	v := c.Classify("@acme petrol car parked in the only charging bay again", "")
	require.NotContains(t, v.RuleIDs(), "en.complaint.money")
	require.NotEqual(t, escucha.SeverityHigh, v.Severity, v.RuleIDs())
}

// TestWhyQuestionsAsWritten: "¿Porque no…?" and "xq no…?" are how posts
// write "¿por qué no…?", and a question opened by "¿" needs no "?".
func TestWhyQuestionsAsWritten(t *testing.T) {
	c := newC(t, Options{})
	requireLabels(t, c, escucha.LabelSuggestion,
		"¿Porque no ponen la foto del repartidor en el seguimiento? Daría tranquilidad @acme",
		"xq no abren los domingos @acme?? la mitad trabajamos entre semana",
		"@acme porque no hacen un plan familiar?",
		"¿Por qué no ponen wifi en los trenes de @acme")
	requireLabels(t, c, escucha.LabelComplaint, "¿xq no me devuelven el dinero? llevo 3 semanas esperando @acme")
	// "because" where it is one: not a question, or not before a negator.
	v := c.Classify("No voy más a @acme porque no abren los domingos.", "es")
	require.NotContains(t, v.RuleIDs(), "es.suggestion.por_que_no_directo")
	v = c.Classify("En la tienda de @acme el guardia nos siguió y solo nos revisó a nosotros. ¿Porque somos negros?", "es")
	require.Equal(t, escucha.SeverityCritical, v.Severity, v.RuleIDs())
}

// TestReplyAddressees: the @handles a reply opens with are the people it
// answers. They make the post the author's own only when the brand or its
// CEO is among them, or when neither is named after them (they may be
// the company's own accounts).
func TestReplyAddressees(t *testing.T) {
	c := newC(t, Options{Brand: config.Brand{Name: "Cestalia", Handles: []string{"cestalia"}}})
	requireLabels(t, c, escucha.LabelOther,
		"@juanp_92 @marta_rl Cestalia's app and website were down for about two hours on Tuesday evening in Spain and the UK. The company blamed an issue at its cloud provider.")
	requireLabels(t, c, escucha.LabelSuggestion,
		"@juanp_92 @marta_rl Propongo que Cestalia cubra la fisioterapia sin volante del médico de cabecera. Ahorraría un paso inútil a mucha gente")
	requireLabels(t, c, escucha.LabelComplaint,
		"@cestalia @marta_rl The app and website were down for about two hours on Tuesday evening. Blamed an issue at the cloud provider.",
		"@cestalia_help the app and website were down for about two hours on Tuesday evening in Spain and the UK.")
}

// TestWholePostInCapitals: a post written all in capitals is a style or a
// headline, not shouting: it does not add emphasis to a weak grievance.
func TestWholePostInCapitals(t *testing.T) {
	c := newC(t, Options{})
	requireLabels(t, c, escucha.LabelOther,
		"¿LA BATERÍA DE @ACME SE PUEDE LLEVAR SI TE MUDAS? ESTOY ALQUILANDO Y ME DA MIEDO INVERTIR",
		"WHY DID THE EV CROSS THE ROAD? TO GET TO THE ACME ON THE OTHER SIDE, BECAUSE THE OTHER ONE WAS BROKEN 😂")
	v := c.Classify("@acme charged me TWICE for the SAME order and nobody answers", "en")
	require.Contains(t, v.RuleIDs(), "en.signal.emphasis")
}

func TestCompetitorAndReportedSpeech(t *testing.T) {
	c := newC(t, Options{RulesFile: rulesFile(t, "competitors: [Rivalia]\n"), Brand: config.Brand{Name: "Acme", Handles: []string{"acme"}}})
	v := c.Classify("Rivalia me cobró dos veces y no me devuelven el dinero. Mañana me paso a @acme", "es")
	require.Equal(t, escucha.LabelOther, v.Label, v.RuleIDs())
	require.True(t, hasRule(v, "es.signal.competitor"), v.RuleIDs())
	v = c.Classify("Los clientes de Acme denuncian cobros indebidos, según un informe publicado hoy", "es")
	require.Equal(t, escucha.LabelOther, v.Label, v.RuleIDs())

	// A failure told between a competitor's name and the brand's first
	// mention after it is the competitor's, even in one sentence.
	requireLabels(t, c, escucha.LabelOther,
		"Rivalia lost my booking so I ended up at the Acme round the corner",
		"Rivalia cancelled my slot AGAIN, thank god Acme had one at 7pm",
		"En Rivalia me estafaron hace dos años. Desde entonces solo compro con Acme",
		"Rivalia's app crashed three times tonight. Got mine sorted at Acme in 5 minutes")
	// A quotation thrown back, an echo or a timeline on the competitor's
	// side is the competitor's too; a grievance said straight before its
	// name ("Qué rabia Rivalia") is about it, one that leads into it
	// through a preposition ("me paso a Rivalia") leaves the brand for it.
	requireLabels(t, c, escucha.LabelOther,
		"Rivalia me cobró 4 euros de 'envío gratis'. Por eso compro en Acme",
		"Rivalia charged me a £40 'exit fee' when I left. Acme let me go for free",
		"Qué asco Rivalia, siempre igual. Acme por lo menos contesta")
	requireLabels(t, c, escucha.LabelComplaint,
		"Tres cortes esta semana @acme, estoy harta. Me paso a Rivalia",
		"@acme charged me a 'free trial' fee, I'm switching to Rivalia")
	// Leaving for the competitor before the grievance is told: it is
	// where the author goes, so the grievance after it is the brand's.
	requireLabels(t, c, escucha.LabelComplaint,
		"Me paso a Rivalia. 4 de 5 entregas este invierno con retraso. Lo siento @acme pero así no",
		"ngl switching to Rivalia at renewal. 3 emails, zero replies from Acme about a change of address",
		// Leaving the brand for a named competitor is a complaint alone.
		"Been with @acme for 9 years. Moving to Rivalia on Monday",
		"Me paso a Rivalia. Adiós, Acme",
		// Taking leave of the brand by name.
		"Cancelling Acme. Two years of the quarterly plan and the pests are still here",
		"Subieron el pasaje y ahora pasa cada 45 min. Chau Acme",
		// "never again" / "nunca más" right before the brand takes leave of it.
		"Lease ends in March and I'm going to a Rivalia. Three visits for the same rattle. Never again @acme",
		"Después de este circo con la garantía me compro un Rivalia. Nunca más Acme")
	// Leaving is "cancel or leave" in the label rules: high, whatever the
	// grievance's own severity.
	for _, text := range []string{
		"Me paso a Rivalia, @acme. Tres meses con el router parpadeando es más de lo que aguanto",
		"Been with @acme for 9 years. Moving to Rivalia on Monday",
	} {
		v := c.Classify(text, "")
		require.Equal(t, escucha.SeverityHigh, v.Severity, "%s: %v", text, v.RuleIDs())
	}
	requireLabels(t, c, escucha.LabelOther,
		"Switching to @acme from Rivalia next month, can't wait",
		// "from <rival>" names the one left, not the destination.
		"Switched from Rivalia to @acme last month. Night and day. Rivalia 'lost' my bags constantly, Acme hasn't missed once",
		"Me cambié de Rivalia a @acme en marzo. Rivalia me cobraba de más cada mes, Acme nunca",
		// A negated move leaves the competitor: its grievances stay its own.
		"Rivalia took 6 months and lost a drawer. Acme did mine in 5 weeks. Never going back to Rivalia",
		"Rivalia me tuvo tres semanas sin luz. Con Acme ni un corte. No vuelvo a Rivalia",
		"Rivalia or Acme for a first phone plan? Moving to Madrid in May")
	// When a grievance was the competitor's, what is left for the brand
	// counts less (competitorDamp): these were complaints before it.
	requireLabels(t, c, escucha.LabelOther,
		"Rivalia dropped my calls 3 times today. Thank god my partner is on Acme so I can borrow her phone 🙃",
		"Rivalia me cobró roaming en Chile, ¡en Chile! Mi hermana con Acme pagó cero. Me cambio la semana que viene",
		"Rivalia perdió mi paquete por tercera vez. Fui a Acme y en 10 minutos salí con lo que buscaba. Lección aprendida")
	// The brand's own failure, after it is named, still counts.
	requireLabels(t, c, escucha.LabelComplaint,
		"Left Rivalia for @acme and my first order never arrived",
		"Rivalia was fine, but Acme lost my booking twice this month")
}

// TestLeavesForBrand: a failure told before leaving someone for the
// brand is the one left behind's, even when that one is not a configured
// competitor; the brand's own failure after it still counts.
func TestLeavesForBrand(t *testing.T) {
	c := newC(t, Options{Brand: config.Brand{Name: "Acme", Handles: []string{"acme"}}})
	requireLabels(t, c, escucha.LabelOther,
		"Nubetel dropped my calls four times today. Switching to @acme tomorrow",
		"Otra vez sin señal con Nubetel, tres días ya. Me paso a @acme",
		"Vuelo cancelado con dos horas de aviso. La próxima me voy con Acme")
	requireLabels(t, c, escucha.LabelComplaint,
		"Switched to @acme last month and the internet keeps cutting out every night",
		"@acme tres días sin señal, estoy harta",
		"Four outages this week @acme, I'm switching to Nubetel",
		// "from @acme": the brand is the one left.
		"Third outage this month, switching from @acme to Nubetel",
		"How is a kettle from @acme supposed to boil anything when the cord melts",
		// "after/since moving to @acme": the trouble began with the brand.
		"6 weeks without a working number after porting to @acme. Customers can't reach me")
	// A relief marker before the brand's first mention in its sentence:
	// the brand is the relief, the grievance before it someone else's.
	requireLabels(t, c, escucha.LabelOther,
		"Otro día de cortes de luz en el barrio 😤 Al menos la linterna de Acme aguanta como una campeona",
		"Qué desastre el metro hoy, una hora parados. Menos mal que el pedido de Acme me lo recogió la vecina")
	requireLabels(t, c, escucha.LabelComplaint,
		"@acme otra vez sin luz en el barrio. Al menos contestáis rápido, pero sin luz seguimos",
		"Acme cut our power for 8 hours today. At least the Acme app told us why")
}

func TestSeverity(t *testing.T) {
	c := newC(t, Options{})
	cases := []struct {
		text string
		sev  escucha.Severity
	}{
		{"Si no me devuelven el dinero mañana voy a Consumo y a mi abogado", escucha.SeverityCritical},
		{"The app showed me another customer's card details and address", escucha.SeverityCritical},
		{"Third time this month the card is declined at the same shop", escucha.SeverityHigh},
		{"Me cobraron dos veces la factura de enero", escucha.SeverityHigh},
		{"La app no funciona desde esta mañana", escucha.SeverityMedium},
		{"Detalle menor: el botón de ayuda no funciona en la web, nada grave", escucha.SeverityLow},
	}
	for _, tc := range cases {
		v := c.Classify(tc.text, "")
		require.Equal(t, escucha.LabelComplaint, v.Label, "%q %v", tc.text, v.RuleIDs())
		require.Equal(t, tc.sev, v.Severity, "%q %v", tc.text, v.RuleIDs())
	}
	require.Equal(t, escucha.SeverityNone, c.Classify("Deberían abrir los domingos", "es").Severity)
}

func TestCEO(t *testing.T) {
	c := newC(t, Options{CEO: config.CEO{Name: "Ana Pérez", Handles: []string{"anaperez"}, Aliases: []string{"la jefa de Acme"}}})
	require.True(t, c.Classify("@anaperez llevo un mes sin respuesta", "es").CEO)
	require.True(t, c.Classify("Ana Perez dijo ayer que todo va bien", "es").CEO)
	require.True(t, c.Classify("hablé con la jefa de acme", "es").CEO)
	require.True(t, c.Classify("Interview with the company's CEO tonight", "en").CEO)
	require.False(t, c.Classify("Ana compró un coche", "es").CEO)
}

func TestExplanationsAndScore(t *testing.T) {
	c := newC(t, Options{Threshold: 0.9})
	text := "Llevo 3 horas esperando al técnico"
	v := c.Classify(text, "")
	require.Equal(t, escucha.LabelComplaint, v.Label)
	require.NotEmpty(t, v.Rules)
	for _, r := range v.Rules {
		require.NotEmpty(t, r.Explanation, r.ID)
	}
	require.Greater(t, v.Score, 0.0)
	require.LessOrEqual(t, v.Score, 1.0)
	require.Equal(t, v.Score < 0.9, v.LowConfidence)
	require.False(t, v.ClassifiedAt.IsZero())
}

func TestCustomRulesFileErrors(t *testing.T) {
	dir := t.TempDir()
	cases := map[string]struct{ body, want string }{
		"badclass":   {"rules:\n  - id: acme.x\n    class: angry\n    explain: x\n    patterns: [a]\n", `:2: rule "acme.x": class "angry"`},
		"badpattern": {"rules:\n  - id: acme.ok\n    class: complaint\n    explain: ok\n    patterns: [hola]\n  - id: acme.bad\n    class: complaint\n    explain: bad\n    patterns: [\"re:(\"]\n", `:6: rule "acme.bad": pattern`},
		"unknownkey": {"rules:\n  - id: acme.y\n    class: complaint\n    explain: y\n    weigth: 2\n    patterns: [a]\n", `:2: rule "acme.y": unknown key "weigth"`},
		"noexplain":  {"rules:\n  - id: acme.z\n    class: complaint\n    patterns: [a]\n", `:2: rule "acme.z": missing explain`},
		"dup":        {"rules:\n  - id: es.complaint.espera\n    class: complaint\n    explain: z\n    patterns: [a]\n", `duplicate rule id`},
		"topkey":     {"competitor: [x]\n", "field competitor not found"},
		"phrasechoice": {"rules:\n  - id: acme.p\n    lang: en\n    class: complaint\n    explain: p\n    patterns: [hola, \"need to|have to fix\"]\n",
			`:2: rule "acme.p": pattern "need to|have to fix": "to|have" repeats "to" beside it: a choice of several words is not supported`},
		"baregap": {"rules:\n  - id: acme.g\n    class: complaint\n    explain: g\n    patterns: [\"took .. hours\"]\n", `gap ".." needs a number`},
		"rewritten": {"rules:\n  - id: acme.r\n    lang: en\n    class: complaint\n    explain: r\n    patterns: [\"gonna|will fix\"]\n",
			`"gonna" is rewritten to "going to" before matching`},
		"kincomplaint": {"rules:\n  - id: acme.k\n    class: complaint\n    kin: true\n    explain: k\n    patterns: [hola]\n",
			`kin: only other rules`},
		"coverssuggestion": {"rules:\n  - id: acme.c\n    class: suggestion\n    covers: true\n    explain: c\n    patterns: [hola]\n",
			`covers: only complaint, other and praise rules`},
		"stretched": {"rules:\n  - id: acme.s\n    lang: en\n    class: complaint\n    explain: s\n    patterns: [\"bbb|ftc complaint\"]\n",
			`"bbb" has a letter three times in a row, which matching collapses to one, so it is "b"`},
		"alsophrase": {"rules:\n  - id: acme.a\n    class: severity\n    severity: high\n    also: [\"<cur>\", \"money back\"]\n    explain: a\n    patterns: [refund]\n",
			`:2: rule "acme.a": also "money back": want one word or a token class such as <cur>`},
		"cuealso": {"rules:\n  - id: acme.cue.e\n    class: cue\n    weight: 0.3\n    also: [\"<cur>\"]\n    explain: e\n    patterns: [refund]\n", `a cue rule has only`},
		// Cue rules (cue.go): one word, a light weight, nothing else.
		"cuephrase":   {"rules:\n  - id: acme.cue.a\n    class: cue\n    weight: 0.3\n    explain: a\n    patterns: [\"took ages\"]\n", `a cue is one word`},
		"cueheavy":    {"rules:\n  - id: acme.cue.b\n    class: cue\n    weight: 2\n    explain: b\n    patterns: [refund]\n", `a cue's weight is above 0 and at most 1`},
		"cueseverity": {"rules:\n  - id: acme.cue.c\n    class: cue\n    weight: 0.3\n    severity: high\n    explain: c\n    patterns: [refund]\n", `a cue rule has only`},
		"cueregexp":   {"rules:\n  - id: acme.cue.d\n    class: cue\n    weight: 0.3\n    explain: d\n    patterns: [\"re:refund\"]\n", `a cue is one word`},
		// The disable list: a misspelt id, a signal rule, a map.
		"disableunknown": {"disable:\n  - en.cue.*\n  - en.complaint.no_such_rule\n", `:3: rule "disable": "en.complaint.no_such_rule": no built-in rule has this id`},
		"disablesignal":  {"disable: [en.signal.*]\n", `rule "disable": "en.signal.emphasis" is a signal rule other rules rely on: it cannot be disabled`},
		"disablemap":     {"disable:\n  - {id: en.cue.b10}\n", `:2: rule "disable": want a built-in rule id, or an id prefix ending in "*"`},
	}
	for name, tc := range cases {
		path := filepath.Join(dir, name+".yaml")
		require.NoError(t, os.WriteFile(path, []byte(tc.body), 0o600))
		_, err := New(Options{RulesFile: path})
		require.Error(t, err, name)
		require.Contains(t, err.Error(), path, name)
		require.Contains(t, err.Error(), tc.want, name)
	}
}

func TestCustomRulesAndReload(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "rules.yaml")
	write := func(s string) { require.NoError(t, os.WriteFile(path, []byte(s), 0o600)) }
	write("keywords:\n  complaint: [tostadora quemada]\n")
	c := newC(t, Options{RulesFile: path})
	v := c.Classify("mi tostadora quemada otra vez", "es")
	require.Equal(t, escucha.LabelComplaint, v.Label, v.RuleIDs())
	require.True(t, hasRule(v, "custom.keyword.complaint"))

	// A broken file keeps the old rules.
	write("rules:\n  - id: acme.broken\n    class: nope\n    explain: x\n    patterns: [a]\n")
	err := c.Reload()
	require.ErrorContains(t, err, `rule "acme.broken"`)
	require.True(t, hasRule(c.Classify("mi tostadora quemada otra vez", "es"), "custom.keyword.complaint"))

	// A good file replaces them.
	write("rules:\n  - id: acme.suggestion.cafe\n    lang: es\n    class: suggestion\n    weight: 3\n    explain: pide café\n    patterns: [\"pongan ..2 cafe\"]\n")
	require.NoError(t, c.Reload())
	v = c.Classify("pongan más café en la sala", "es")
	require.Equal(t, escucha.LabelSuggestion, v.Label)
	require.True(t, hasRule(v, "acme.suggestion.cafe"))
	require.False(t, hasRule(c.Classify("mi tostadora quemada otra vez", "es"), "custom.keyword"))
}

func TestConcurrentClassifyAndReload(t *testing.T) {
	c := newC(t, Options{})
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				v := c.Classify("Llevo 3 días sin internet, pésimo servicio", "")
				require.Equal(t, escucha.LabelComplaint, v.Label)
				if g == 0 && i%50 == 0 {
					require.NoError(t, c.Reload())
				}
			}
		}()
	}
	wg.Wait()
}

func FuzzClassify(f *testing.F) {
	for _, s := range []string{"", "Llevo 3 días sin internet 😡", "Love paying $95 🙃", "\xff", "no no no no", "¿¿??", "#a_b_C1", "rt @x: hola", strings.Repeat("pero ", 50)} {
		f.Add(s, "")
		f.Add(s, "es")
	}
	c := newC(f, Options{})
	f.Fuzz(func(t *testing.T, s, lang string) {
		v := c.Classify(s, lang)
		if !v.Label.Valid() {
			t.Fatalf("label %q", v.Label)
		}
		if v.Score < 0 || v.Score > 1 {
			t.Fatalf("score %v", v.Score)
		}
		for _, r := range v.Rules {
			if !utf8.ValidString(r.ID) || !utf8.ValidString(r.Explanation) {
				t.Fatal("invalid UTF-8 in a rule hit")
			}
			for _, sp := range r.Spans {
				if sp.Start < 0 || sp.End > len(s) || sp.Start > sp.End {
					t.Fatalf("span %v outside %d bytes", sp, len(s))
				}
			}
		}
	})
}

// TestClauseStart checks rules marked start: true: an imperative counts at
// the start of a clause (after punctuation, handles or lead-in words such
// as "also" or "please") and not in the middle of one, and a verb that is
// also a noun needs an object after it.
func TestClauseStart(t *testing.T) {
	c := newC(t, Options{})
	for _, text := range []string{
		"Add support for Apple Pay.",
		"@acme allow users to pick their seat online",
		"Great app. Also, please provide an export to CSV",
		"Bring back the old boarding passes!",
	} {
		v := c.Classify(text, "en")
		require.True(t, hasRule(v, "en.suggestion.imperative"), "%q: %v", text, v.RuleIDs())
		require.Equal(t, escucha.LabelSuggestion, v.Label, "%q: %v", text, v.RuleIDs())
	}
	for _, text := range []string{
		"Support is useless, nobody answers",            // noun, not a verb
		"They did not add the discount to my order",     // not at the start of a clause
		"Update the app? I did, still crashing all day", // a question back and a failure
	} {
		v := c.Classify(text, "en")
		require.False(t, hasRule(v, "en.suggestion.imperative") && v.Label == escucha.LabelSuggestion, "%q: %v", text, v.RuleIDs())
	}
	v := c.Classify("They did not add the discount to my order", "en")
	require.False(t, hasRule(v, "en.suggestion.imperative"), v.RuleIDs())
}

// "Bien, pero…": after praise and a contrast word, a grievance told only by
// weak cues or a negation is the point of the post; praise after the
// contrast word keeps it praise.
func TestPraiseThenButGrievance(t *testing.T) {
	c := newC(t, Options{})
	for _, text := range []string{
		"Me encanta @bancolux, pero la tarjeta nueva no pasa en el metro",
		"Great gym @fitlux, but the showers on the second floor never get warm",
	} {
		v := c.Classify(text, "")
		require.Equal(t, escucha.LabelComplaint, v.Label, "%q %v", text, v.RuleIDs())
		require.True(t, hasRule(v, v.Lang+".signal.contrast"), "%q %v", text, v.RuleIDs())
	}
	requireLabels(t, c, escucha.LabelOther,
		"Love @plumbo, but not a fan of the new green logo, still my favourite shop",
		"No sé si os lo dicen mucho, pero gente así vale oro @bancolux")
}

// A conditional rule that matches after "but" but never counts (its
// condition fails) does not stop "Bien, pero…" from reading the part
// after "but" as the point: only rules that count do.
func TestPraiseThenButIgnoresUncountedConditionalRules(t *testing.T) {
	path := rulesFile(t, `rules:
  - id: acme.severity.ceo_mine
    lang: en
    class: severity
    severity: high
    when: ceo_grievance
    weight: 0.8
    explain: "the CEO addressed about the author's own case"
    patterns: ["my"]
`)
	plain := newC(t, Options{})
	custom := newC(t, Options{RulesFile: path})
	text := "honestly the guy at the Acme counter was great. the billing desk tho?? added a $900 'care plan' to my invoice and looked surprised when I noticed"
	v := custom.Classify(text, "en")
	require.Equal(t, escucha.LabelComplaint, v.Label, v.RuleIDs())
	require.Equal(t, plain.Classify(text, "en").Label, v.Label)
}

// In a post that makes a proposal, words of grievance inside quotation
// marks name the feature proposed ("a 'stop charging me twice' mode"),
// and a question that makes a proposal is not a request for information.
func TestProposalQuotesAndQuestions(t *testing.T) {
	c := newC(t, Options{})
	requireLabels(t, c, escucha.LabelSuggestion,
		"Acme needs a 'never play this song again' button that works on every playlist",
		"Acme podría sacar un modo 'no me cobres dos veces' jaja",
		"¿Han considerado que la app de Acme avise cuando llega el técnico?")
	requireLabels(t, c, escucha.LabelOther,
		"¿Alguien sabe si en Acme se puede pagar en efectivo?")
	// A proposal quoted from someone else is not the author's: the
	// grievance in the quote still counts.
	requireLabels(t, c, escucha.LabelComplaint,
		"@acme your agent told my mum she 'should have someone younger handle this'. She ran a business for 40 years")
}

// A claim quoted from the media, then answered in the first person — or
// echoed back at the CEO who made it — is the author's own grievance, not
// news; news that quotes a claim stays news.
func TestClaimAnsweredIsNotNews(t *testing.T) {
	c := newC(t, Options{CEO: config.CEO{Name: "Ana Pérez", Handles: []string{"anaperez"}}, Brand: config.Brand{Name: "Acme"}})
	requireLabels(t, c, escucha.LabelComplaint,
		"Ana Pérez en la radio presumiendo de que Acme 'no tiene listas de espera'. Tengo cita para octubre y estamos en marzo",
		"Ana Pérez en una entrevista: en Acme 'el cliente es lo primero'. El cliente lleva 30 min esperando en caja")
	requireLabels(t, c, escucha.LabelOther,
		"Acme faces a lawsuit over allegedly fake 'was' prices, court filings show",
		"Ana Pérez en una entrevista: 'Acme abrirá 20 tiendas este año'")
}

// Taking one's own case to the CEO's account is an escalation (high);
// objecting to what the CEO said keeps the severity of its content.
func TestCEOEscalationSeverity(t *testing.T) {
	c := newC(t, Options{CEO: config.CEO{Name: "Ana Pérez", Handles: []string{"anaperez"}}})
	for _, text := range []string{
		"@anaperez my dryer has been 'awaiting parts' since March and nobody calls back. I'd be grateful for your help.",
		"@anaperez llevo 20 días esperando la devolución y nadie responde, a ver si usted le pone cuidado",
	} {
		v := c.Classify(text, "")
		require.Equal(t, escucha.LabelComplaint, v.Label, "%q %v", text, v.RuleIDs())
		require.Equal(t, escucha.SeverityHigh, v.Severity, "%q %v", text, v.RuleIDs())
		require.True(t, v.CEO, text)
	}
	// The author's own case without "you": still taken to the CEO.
	requireComplaints(t, c, escucha.SeverityHigh,
		"@anaperez my laptop has been at the repair centre for 41 days, ticket 33190",
		"@anaperez mi portátil lleva 41 días en el taller, caso 33190")
	v := c.Classify("@anaperez tweeting about 'fan-first ticketing' while the app crashed on me all night", "")
	require.Equal(t, escucha.LabelComplaint, v.Label, v.RuleIDs())
	require.Equal(t, escucha.SeverityMedium, v.Severity, v.RuleIDs())
}

// A matter the author calls minor stays low even when it repeats, but
// not when money was lost (the label rules' "highest wins" for money).
func TestMinorYieldsToRepetitionNotMoney(t *testing.T) {
	c := newC(t, Options{})
	requireComplaints(t, c, escucha.SeverityLow,
		"@plumbo minor, but the app asks me to rate my order every single day",
		"Un detalle nomás @fibrano: las notificaciones me llegan dos veces cada día. No es grave")
	v := c.Classify("Detallito @vuelaya: el wifi a bordo no funcionó en todo el vuelo. Tampoco me voy a morir, pero pagué 12 € por él", "")
	require.Equal(t, escucha.LabelComplaint, v.Label, v.RuleIDs())
	require.Equal(t, escucha.SeverityHigh, v.Severity, v.RuleIDs())
}

// TestNegationDoesNotReachEmoji: "no" before an emoji does not cancel it —
// "three days with no internet 🙃" is irony, "sin moverme 🙌" is praise.
func TestNegationDoesNotReachEmoji(t *testing.T) {
	c := newC(t, Options{})
	v := c.Classify("Thanks for the weekend, three days with no internet 🙃", "en")
	require.True(t, hasRule(v, "en.sarcasm.emoji"), v.RuleIDs())
	require.Equal(t, escucha.LabelComplaint, v.Label, v.RuleIDs())
	v = c.Classify("Pagué la tasa desde el móvil sin moverme 🙌", "es")
	require.Equal(t, escucha.LabelOther, v.Label, v.RuleIDs())
}

// TestCEOQuoted: the CEO quoted in a post that tells no story of the
// author's own speaks their own words: grievance words inside the
// quotation are not a complaint. Told in the first person, the quotation
// is the brand's claim set against what happened.
func TestCEOQuoted(t *testing.T) {
	c := newC(t, Options{Brand: config.Brand{Name: "Acme", Handles: []string{"acme"}}, CEO: config.CEO{Name: "Marta Ibarra", Handles: []string{"martaibarra"}}})
	requireLabels(t, c, escucha.LabelOther,
		"Marta Ibarra at the mobility summit: 'A badly parked scooter is a parking spot we failed to design.'",
		"Marta Ibarra, en la memoria anual de Acme: 'No abriremos tiendas hasta bajar la espera de 5 días'.")
	requireLabels(t, c, escucha.LabelComplaint,
		"Marta Ibarra told Forbes Acme 'never keeps a customer waiting'. I've been on hold 50 minutes")
}

// A quotation said by the author's family or friends is theirs, not the
// brand's words thrown back at it: no quote signal, no complaint.
func TestKinQuotationIsNotTheBrands(t *testing.T) {
	c := newC(t, Options{Brand: config.Brand{Name: "Voltena"}})
	kin := []string{
		"Mi abuela le dice 'la Voltena' a la luz. Ya es patrimonio familiar",
		"my grandad calls the Voltena meter 'the little robot' and waves at it",
	}
	requireLabels(t, c, escucha.LabelOther, kin...)
	requireRule(t, c, "", false, []string{"es.signal.quote", "en.signal.quote"}, kin...)
	// A relative named alone is a speaker only as a label, "mi suegra: '…'".
	v := c.Classify("mi suegra: 'la Voltena es un invento moderno'", "")
	require.Equal(t, escucha.LabelOther, v.Label, v.RuleIDs())
	require.True(t, hasRule(v, "es.other.r18_familia"), v.RuleIDs())
	// The brand's own words still count, a relative named elsewhere or not,
	// and the kin rule is named only when it takes a quotation.
	v = c.Classify("Voltena: 'sin cortes este invierno'. Mi abuela lleva 3 días sin luz", "")
	require.Equal(t, escucha.LabelComplaint, v.Label, v.RuleIDs())
	require.False(t, hasRule(v, "es.other.r18_familia"), v.RuleIDs())
	v = c.Classify("my mum waited 3 hours on the Voltena helpline yesterday", "")
	require.False(t, hasRule(v, "en.other.r18_kin"), v.RuleIDs())
	// A post quoting a relative tells their story: the grievance words
	// left in it count at kinDamp (these were complaints without it).
	requireLabels(t, c, escucha.LabelOther,
		"my nan thinks @voltena is a bank, she keeps asking the pharmacist for her 'statement' and they never have one",
		"mi abuela dice que el café de @voltena es 'agua sucia' y igual se toma dos todos los días")
}

// Proposes: a complaint that also proposes something carries a proposal
// although its label is complaint; a plain complaint, a question and
// praise do not.
func TestProposes(t *testing.T) {
	c := newC(t, Options{})
	with := c.Classify("Third week waiting for my refund @acme. You should hire more people for the phones.", "en")
	require.Equal(t, escucha.LabelComplaint, with.Label)
	require.True(t, c.Proposes(with))
	sug := c.Classify("@acme it would be great if the app had a dark mode", "en")
	require.Equal(t, escucha.LabelSuggestion, sug.Label)
	require.True(t, c.Proposes(sug))
	for _, text := range []string{"Third week waiting for my refund @acme.", "@acme should I buy the annual plan or the monthly one?", "@acme the new app is lovely"} {
		v := c.Classify(text, "en")
		require.False(t, c.Proposes(v), "%s: %v", text, v.RuleIDs())
	}
	es := c.Classify("Llevo tres semanas esperando el reembolso @acme. Deberían contratar más gente para el teléfono.", "es")
	require.Equal(t, escucha.LabelComplaint, es.Label)
	require.True(t, c.Proposes(es))
}

// TestCustomerServicePhrasings: how customers of an airline or any
// service write a complaint without a strong negative word, or with one
// behind an idiom that only looks like a negation; and the praise and
// questions that share their words.
func TestCustomerServicePhrasings(t *testing.T) {
	c := newC(t, Options{})
	requireLabels(t, c, escucha.LabelComplaint,
		"@acme That is the height of rudeness, and without question the worst service I have ever had.",
		"@acme no doubt the worst airline I have flown",
		"@acme sin duda el peor servicio que he tenido",
		"@acme your agent at the desk was not helpful at all",
		"@acme the rudest crew I have ever flown with",
		"@acme your agent hung up on me twice",
		"@acme called your line and was hung up on. This is awesome. #sarcasm",
		"@acme thanks for making me miss my connection",
		"@acme thank you for the robotic and unhelpful assistance",
		"@acme thanks for the lack of help and the canned reply",
		"@acme thank you for 7 hrs at terminal D",
		"@acme I have been told twice my issue was resolved and twice it was not",
		"@acme we would like an apology and a full refund",
		"@acme flight 123 still on the ground, 2 hours now",
		"@acme 3 hour wait to get an agent on the phone",
		"@acme I have never had a more unpleasant trip in my life",
		"@acme I have never experienced such awful service",
		"@acme wow, awful customer service",
		"@acme no excuse for poor customer service",
		"@acme it just happens way too often",
		"@acme I would like a supervisor to talk to",
		"@acme so far no call back",
		"@acme weather is unavoidable. Understaffing is controllable",
		"@acme no functioning bathrooms on a full flight",
		"@acme you can't even get someone on the phone",
		"@acme they said they can't help me",
		"@acme amazing to me that we can't get any cold air",
		"@acme for two days now I have been trying to reach customer service",
		"@acme el agente no fue nada útil",
		"@acme gracias por la falta de ayuda",
		"@acme gracias por 7 horas en la terminal",
		"@acme gracias por la respuesta automática que no dice nada",
		"@acme merecemos una compensación por esto",
		"@acme pasa demasiado seguido",
		"@acme quiero hablar con un supervisor",
		"@acme nadie me devolvió la llamada",
		"@acme me dijeron que no pueden ayudarme",
		"@acme increíble que no tengan aire acondicionado",
		"@acme why is my flight delayed?",
		"@acme is my flight delayed again?",
		"@acme ¿por qué está cancelado mi vuelo?",
		"@acme ¿otra vez está cancelado mi vuelo?",
		"@acme my card was declined again, thanks again",
		"@acme continúan tomándome el pelo",
		"@acme dejó a mi mamá varada en Barajas",
		"@acme no llegaron mis maletas",
		"@acme espero más de una hora por mis maletas",
		"@acme siete horas en el aeropuerto por culpa de @acme",
		"@acme Gracias por contestar. Utilicé paypal y visa. Ambos dieron error.",
		"@acme por la vía MD no me han respondido a las preguntas",
		"@acme no me deja hacer el check-in ni por la app ni por la web, ¿hay algún problema?",
		"@acme necesito una factura de un vuelo, pero no la consigo. ¿Podéis ayudarme?",
		"@acme todo el pasaje del vuelo 3723 tirados en el aeropuerto de Amsterdam",
		"@acme no indicáis en la web el coste añadido de 30€ de gestión telefónica",
		"@acme ni adjuntando los tickets habéis sido capaces de pagarnos nada",
		"@acme y que luego se olviden de mí en el mostrador",
		"@acme al final pudimos volar, pero esto no debería ser así",
		"@acme ahora estoy en Amsterdam sin nada que ponerme",
		"@acme cancelando y juntando vuelos como les da la gana",
		"@acme telefónicamente no puedo comunicarme",
		"@acme los billetes cuestan una pasta",
		"Recordatorio: jamás voléis con @acme.",
		"@acme me encantaría saber cuándo va a llegar mi maleta",
		"@acme you guys should get your act together",
		"@acme they don't want to honor my flight",
		"@acme still being held captive on the ground",
		"@acme I missed the funeral because of your delay",
		"@acme why are there so many delays to north east cities?",
		"@acme nexus confirmed she should not be refused",
		"@acme your crew having forgotten to load my bag onto my flight",
		"@acme when do I get my apology?",
		"@acme thanks so much for the 3 hour delay")
	requireLabels(t, c, escucha.LabelOther,
		"@acme is flight 1202 delayed?",
		"@acme can you add me to the 6pm flight to IND?",
		"@acme I forgot to add my known traveler number, can you help?",
		"@acme will all flights out of Dallas be cancelled today?",
		"@acme ¿está cancelado el vuelo 123?",
		"@acme ¿el vuelo de las 8 sale con retraso?",
		"@acme pido disculpas por el hilo largo",
		"@acme Thanks so much for the awesome support, you guys rock!",
		"@acme beautiful ride. Thanks again:)",
		"@acme Thanks :-) Good to be back safely. See you again soon!",
		"@acme increíble lo rápido que me atendieron",
		"@acme wow that was fast, thanks",
		"@acme the agent was so helpful, thanks",
		"@acme got a full refund within a day, thanks",
		"@acme finally found the time, no excuse not to visit now",
		"@acme amazing how fast you fixed it",
		"@acme is there a 2 hour wait at security?")
}

// TestHeadlineIsNews: a shared article's title, ending with its link and
// with nobody's own experience in it, is news even with a failure word;
// the same words told by a customer, or asked, are not.
func TestHeadlineIsNews(t *testing.T) {
	c := newC(t, Options{})
	requireLabels(t, c, escucha.LabelOther,
		"Iberia y otras nueve compañías cancelan vuelos a Turquía por el descenso del turismo https://t.co/VR6K8kq9OU",
		"Acme Air cancels hundreds of flights as the storm hits the East Coast airports tonight https://t.co/abc123")
	requireLabels(t, c, escucha.LabelComplaint,
		"@acme me cancelaron el vuelo sin aviso y nadie responde https://t.co/VR6K8kq9OU",
		"Acme Air cancelled my flight again and nobody at the desk can tell us anything https://t.co/abc123")
}
