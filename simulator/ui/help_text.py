"""The Help window (F1), written for someone meeting neural networks for the first time."""

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
bias. With two inputs every neuron shows a little picture of its output over the input plane.
Hover over a neuron or a line to read its exact value; click one to change it.</li>
<li><b>The data</b> (top right): the training points and, behind them, what the network predicts
everywhere on the plane. Click to add a point of the chosen class, right-click a point to remove
it, Shift+click a point to select it as the sample whose values the network shows.</li>
<li><b>The curves</b> (bottom right): training and test loss per epoch, and accuracy for
classification. A test loss that rises while the training loss falls means the network is
memorising rather than learning (overfitting).</li>
<li><b>The settings</b> (left): the data set, the input features, and the hyperparameters. Changes
apply at once and keep the weights that still fit; the initialization applies on Reset.</li>
</ul>

<h3>One step, by hand</h3>
<p><b>Step through</b> (T) takes one training step on the selected sample and walks you through
it: the inputs, the forward pass layer by layer (or neuron by neuron), the loss, the backward pass
from the output back, and the update of every weight. The panel beside the network writes out the
calculation of any neuron or line you click, with the step's real numbers, and says what that
stage does. Pick another sample in the table or by clicking a point; select several rows for a
mini-batch. Leave with the updated weights, or undo the step.</p>

<h3>Presets</h3>
<p><b>File → New from preset</b> (Ctrl+N) opens the lessons: the cat-and-dog story, the X1/X2 worked
example, Playground's data sets, real data (Iris, handwritten digits) and four classic ways
training goes wrong. Each says what to try and what to watch.</p>

<h3>Keys</h3>
<table cellpadding="3">
<tr><td><b>Space</b></td><td>play / pause</td></tr>
<tr><td><b>→</b></td><td>one step (one mini-batch)</td></tr>
<tr><td><b>Shift+→</b></td><td>one epoch (every training sample once)</td></tr>
<tr><td><b>R</b></td><td>reset to the initial weights (same seed, same weights)</td></tr>
<tr><td><b>Shift+R</b></td><td>new initial weights</td></tr>
<tr><td><b>T</b></td><td>step through one training step; then → / ← for the next / previous
stage</td></tr>
<tr><td><b>Ctrl+N</b></td><td>new from a preset</td></tr>
<tr><td><b>Ctrl+O / Ctrl+S / Ctrl+Shift+S</b></td><td>open / save / save as</td></tr>
<tr><td><b>F1</b></td><td>this help</td></tr>
</table>

<h3>When training goes wrong</h3>
<p>If a step would make the loss or a weight infinite, nnsim undoes it, pauses, and says so. The
usual cause is a learning rate that is too large: each step overshoots the minimum by more than
the last. Make it smaller and press Play again.</p>
"""
