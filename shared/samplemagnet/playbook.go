package samplemagnet

// PlaybookTitle is the title of the ebook Playbook returns.
const PlaybookTitle = "Lead magnet playbook"

// playbook is the text of the sample ebook, written for this project.
var playbook = []string{
	"A lead magnet is something useful you give away in exchange for a way to stay in touch, " +
		"usually an email address. A checklist, a template, a short guide or a sample chapter all work. " +
		"The trade is simple: the reader gets something they can use today, and you get permission to " +
		"write to them tomorrow.",

	"The best magnets are narrow. Ten pages that answer one pressing question beat a hundred pages " +
		"that survey a whole field, because people download whatever solves the problem in front of them. " +
		"If the promise of the magnet does not fit in one sentence on the landing page, it is probably " +
		"trying to do too much.",

	"Put the form where the promise is made. A short page with a headline, three lines on what the " +
		"reader will get, a picture of the cover and the form near the top usually does better than a " +
		"long sales letter. Test the headline before anything else: it is the one part everybody reads.",

	"Keep the form short. Every extra field costs sign-ups, so ask for an email address and, at most, " +
		"a first name; what people open and click will tell you the rest. A hidden honeypot field stops " +
		"most form-filling bots without making real visitors solve a puzzle.",

	"Single opt-in adds an address to the list as soon as the form is sent. It is quick and converts " +
		"more visitors, but it also lets in typos, made-up addresses and people who sign up someone " +
		"else. Those addresses bounce or complain, and mailbox providers notice both.",

	"Double opt-in sends a confirmation email first and counts the lead only once the link in it has " +
		"been clicked. Some people are lost between the form and the inbox, yet the list that remains " +
		"is made of addresses that work, owned by people who asked to hear from you. It is also the " +
		"plainest evidence that consent was given, which several countries expect you to keep.",

	"A common middle way is to deliver the magnet at once but hold back any marketing email until " +
		"the address is confirmed. Nobody is kept waiting for what they came for, and the list stays " +
		"clean. Whichever you choose, record when, where and how each person opted in; sooner or later " +
		"someone will ask.",

	"Measure the conversion rate of each page as confirmed leads divided by unique visitors over the " +
		"same period. Counting form submissions instead flatters the page and hides a confirmation " +
		"email that lands in spam. Compare pages only on similar traffic, and let a test run long " +
		"enough before you call a winner.",

	"Cost per lead is what you spent bringing visitors to the page divided by the confirmed leads it " +
		"produced. A page converting four percent of cheap traffic can beat one converting ten percent " +
		"of expensive clicks, so read the two numbers together. Then follow the leads further: a cheap " +
		"lead who never opens an email was not cheap.",

	"Plan the first week of email before launch. The first message delivers the magnet and says what " +
		"to expect. The second, a few days later, answers the question readers most often have after " +
		"using it. Only after that is it reasonable to mention what you sell.",

	"Finally, keep the promise. Send the magnet straight away, make the unsubscribe link easy to " +
		"find, and write only when you have something worth reading. A lead magnet starts a " +
		"relationship; what you send next decides whether it lasts.",
}

// Playbook returns the sample lead magnet: a two-page ebook on gated content,
// what a lead magnet is, single and double opt-in, and how to measure conversion
// rate and cost per lead.
func Playbook() []byte {
	return PDF(PlaybookTitle, playbook)
}
