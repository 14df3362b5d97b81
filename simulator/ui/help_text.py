"""The Help window (F1), written for someone meeting neural networks for the first time."""

from .actions import key_table_html

KEY_TABLE_MARK = "<!-- the key table -->"

HELP_HTML = """
<h2>nnsim — watch a neural network learn</h2>
<p>A neural network is a stack of layers of <b>neurons</b>. Each neuron adds up its inputs, each
multiplied by a <b>weight</b>, adds its <b>bias</b>, and passes the sum <i>z</i> through an
<b>activation</b> function to give its output <i>a</i>. Training nudges every weight and bias a
little, again and again, in the direction that makes the <b>loss</b> (how wrong the network is)
smaller.</p>

<h3>What you see</h3>
<ul>
<li><b>The network</b> (centre): inputs on the left, the output on the right. Lines are weights:
blue for positive, orange for negative, thicker for larger. The small square on a neuron is its
bias. With two inputs every neuron shows a little picture of its output over the input plane. Hover
over a neuron or a line to read its value at the precision you chose, with every digit on the line
below; click one to change it (the editor takes 0.25, 0,25, 1/3 or 1e-3). On small networks (at most
20 weights, like the X1/X2 example and the cat-and-dog story) every weight is written on its line
and every bias beside its neuron, as in a textbook drawing, and the numbers change as training moves
them; View → Weights on edges turns them off and on. Beside a classifier's output stands its
decision rule, such as "&gt; 0.5 → dog".</li>
<li><b>The data</b> (top right): the training points and, behind them, what the network predicts
everywhere on the plane; for image data (the digits), the images with their true and predicted
class; click a training image to take it for the step-through. Click a point to select it as the
sample whose values the network shows. To change the data, turn on <i>Add points</i> above the
plane: then a click adds a point of the chosen class and a right-click removes a point; the axes
stay put while it is on. Edit → Undo (Ctrl+Z) takes back any change of the data, the weights, the
network or the settings, and Edit → Redo (Ctrl+Shift+Z or Ctrl+Y) makes it again.</li>
<li><b>The curves</b> (bottom right): training and test loss per epoch, and accuracy for
classification. A test loss that rises while the training loss falls means the network is
memorising rather than learning (overfitting). The curves are a timeline: drag the line on the
chart or the slider under it (← → once it has the focus) to see the network as it was at an earlier
epoch; the slider's right end is the run as it is. <i>Continue from here</i> trains on from that
epoch, with any setting you changed meanwhile; what the run did after it stays faded on the chart
until Reset.</li>
<li><b>The settings</b> (left): the data set, the input features, and the hyperparameters. Changes
apply at once and keep the weights that still fit; the initialization applies on Reset. Type a
formula of the inputs below the features (<code>X1*X2 + sin(3*X1)</code>) to add a feature of your
own, or choose the data set <i>Function…</i> to draw points above and below a curve y = f(X1) of
your own.</li>
</ul>

<h3>Five settings explained</h3>
<p>Every setting explains itself when you rest the pointer on it. These five puzzle most
newcomers:</p>
<ul>
<li><b>Speed</b> (toolbar): how fast training runs while it plays. A slow speed lets you watch
each change of the picture and stop at the moment you want; the fastest trains flat out, which
suits a long run but hides the story. Story presets set their own pace and pause where their
story turns, with the sentence about that epoch highlighted; "Pause at epoch" beside the slider
stops any scenario at the end of the epoch you choose.</li>
<li><b>Discretize</b> (above the data): colours the plane by the predicted class alone, with a
sharp border between the classes, instead of shading it by how sure the network is. Turn it on to
see the decision boundary; turn it off to see where the network hesitates.</li>
<li><b>Momentum</b> (SGD and RMSprop): carries a share of the last step into the next one, like a
ball rolling downhill that keeps its speed. 0 is plain gradient descent; 0.9 often learns faster
through long, shallow valleys, best with a smaller learning rate.</li>
<li><b>Regularization</b>: adds a penalty for large weights to the loss, so the network prefers
simple answers. L2 shrinks every weight a little, L1 sets the unneeded ones to exactly zero; the
rate says how much the penalty counts. Try it when the test loss rises while the training loss
falls.</li>
<li><b>Dropout</b> (hidden layers): in each training step switches off each hidden neuron at
random with probability p, and multiplies the kept ones by 1/(1 − p); evaluation, the pictures and
predictions use every neuron. The step-through greys the neurons its step dropped. Try 0.2 when
the test loss rises while the training loss falls.</li>
<li><b>Batch size</b>: how many training samples one step averages its gradient over. A batch of
1 takes quick, noisy steps; the whole training set takes smooth, slow ones. One epoch is the
training samples divided by the batch size, in steps.</li>
<li><b>Rate schedule</b>: lets the learning rate change from epoch to epoch, as PyTorch's
schedulers do: Step multiplies it by γ every N epochs, Exponential by γ every epoch, Cosine lowers
it along half a cosine to η min over T max epochs. The learning rate above is the first epoch's;
the strip under the curves draws the schedule and marks the epoch under way. Large steps early
and fine ones late often end lower than any one rate.</li>
</ul>

<h3>One step, by hand</h3>
<p><b>Step through</b> (T) takes one training step on the selected sample and walks you through
it: the inputs, the forward pass layer by layer (or neuron by neuron), the loss, the backward pass
from the output back, and the update of every weight. The panel beside the network writes out the
calculation of any neuron or line you click, with the step's real numbers, and says what that
stage does. Pick another sample in the table or by clicking a point; select several rows for a
mini-batch. Leave with the updated weights, or undo the step.</p>

<h3>Ask the network</h3>
<p><b>View → Ask the network</b> (A) opens a panel with a field for each input, in the data's own
units: type a size and a tail length and read the answer at once, "cat, 89 %", while the network
trains. With <i>Probe</i> on above the plane, a click asks about that point. <b>Step through this
input</b> walks the forward pass on it up to the answer; it has no target, so there is no loss and
no update, and the network stays as it was.</p>

<h3>Compare variants</h3>
<p><b>Training → Compare variants…</b> (Ctrl+Shift+C) races up to six copies of the scenario that
differ in one setting, say learning rates 0.003, 0.03, 0.3 and 3 (or a sweep from 0.001 to 1). Each
starts from the scenario's initial weights, so the setting is the only difference. One chart shows
every curve in its own colour, small pictures show each one's decision boundary, and the table its
latest figures; Play, Pause and the speed act on all. <b>Open as main</b> carries a variant on in
the main window.</p>

<h3>Words you may have met elsewhere</h3>
<p>Tutorials use some words a little differently. Here is how they map onto what nnsim shows.</p>
<ul>
<li><b>Error, loss and δ.</b> The <i>error</i> of an output is the gap between what the network
said and the right answer; many tutorials write it as target − prediction. The <i>loss</i> is one
number made from all the errors (binary cross-entropy, mean squared error, …); it is what the
curves show and what training makes smaller. <i>δ</i> (delta) is how fast the loss changes when a
neuron's sum <i>z</i> changes. At a sigmoid output with cross-entropy, δ = ŷ − y, prediction minus
target: the opposite sign of target − prediction, because δ is a slope of the loss. When the
output is too low, δ is negative, and the update moves against it, so the output goes up. Both
conventions lead to the same step. With several outputs or a mini-batch, δ is also divided by
what the loss averages over, and the step-through shows that division.</li>
<li><b>From a number to an answer.</b> A sigmoid output gives a number between 0 and 1, the
network's confidence that the answer is 1; the answer is 1 when it is above 0.5, the threshold,
and 0 otherwise. A softmax output gives one probability per class, adding up to 1; the answer is
the class with the largest one (argmax). Accuracy counts these answers; the loss uses the numbers
themselves.</li>
<li><b>Weight names.</b> nnsim names a weight by the edge it sits on: <i>w(X1 → h1.1)</i> runs from
input X1 to neuron 1 of hidden layer 1, and <i>h2.3</i> is neuron 3 of hidden layer 2. Tutorials
often write all the weights between two layers as one matrix: W1 from the inputs to the first
hidden layer, W2 from there to the next, and so on. <i>w(X1 → h1.1)</i> is one number of W1.</li>
<li><b>Step, iteration and epoch.</b> A <i>step</i> updates every weight once, from one batch of
samples; tutorials often call it an <i>iteration</i>. An <i>epoch</i> is as many steps as it takes
to use every training sample once: with 100 samples in batches of 10, one epoch is 10 steps.</li>
<li><b>What kind of network.</b> nnsim builds fully connected networks: every neuron of a layer is
joined to every neuron of the next. The convolutional networks (CNNs) used for images, the
recurrent networks (RNNs) used for sequences and the transformers behind language models are
built from the same parts (weights, sums, activations, a loss and gradient descent), arranged
differently; nnsim does not build them.</li>
</ul>

<h3>Presets</h3>
<p><b>File → New from preset</b> (Ctrl+N) opens the lessons: the cat-and-dog story, the X1/X2 worked
example, Playground's data sets, the symmetry lesson, real data (Iris, handwritten digits) and five
classic ways training goes wrong. Each says what to try and what to watch.</p>

<h3>Your own data</h3>
<p><b>File → New from data</b> (Ctrl+Shift+N) makes a scenario from a table: a CSV or TSV file or an
.xlsx workbook; dropping the file on the window does the same, and <b>Edit → Paste table</b>
(Ctrl+Shift+V) takes cells copied from a spreadsheet. Choose the input columns and the column to
predict; rows with empty or non-numeric cells are skipped (and counted) or refused, as you
choose. The scenario opens untitled with its data inside it; Save asks where to keep it.</p>

<h3>Keys</h3>
<!-- the key table -->

<h3>When training goes wrong</h3>
<p>A step is kept only if the loss it leads to is finite. When a step makes the loss or a weight
infinite (or not a number at all), nnsim undoes that step, pauses, and its message names the
step it undid; the loss chart marks the last finite point with a cross labelled
"diverged — step N undone". The usual cause is a learning rate that is too large: each step
overshoots the minimum by more than the last. Make it smaller and press Play again.</p>
"""


def help_html() -> str:
    """The help as shown: HELP_HTML with the key table made from the actions' declarations
    (their standard keys are known only once a Qt application runs)."""
    return HELP_HTML.replace(KEY_TABLE_MARK, key_table_html())
